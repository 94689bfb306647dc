package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One signal trigger as the operator sees it: since when it counts signals, what it last did. */
public class SignalTriggerStatus {
  @JsonPropertyDescription("The trigger's name.")
  public String name;

  @JsonPropertyDescription(
      "The watermark: only signals created at or after this time start runs. The Workflow's"
          + " creation for a trigger in its first version, else when the operator first saw it.")
  public String since;

  @JsonPropertyDescription("The last run it started.")
  public String lastRun;

  @JsonPropertyDescription("When it last started a run.")
  public String lastRunTime;

  @JsonPropertyDescription("Why it last could not start a run, naming the signals.")
  public String lastFailure;

  @JsonPropertyDescription("When it last could not start a run.")
  public String lastFailureTime;
}
