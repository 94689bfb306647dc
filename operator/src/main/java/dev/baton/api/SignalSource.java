package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The lineage of a signal Baton emitted: the step attempt whose success emitted it. */
public class SignalSource {
  @JsonPropertyDescription("The Workflow of the emitting run.")
  public String workflow;

  @JsonPropertyDescription("The WorkflowInstance of the emitting run.")
  public String instance;

  @JsonPropertyDescription("The run number of that instance.")
  public Integer run;

  @JsonPropertyDescription("The step path of the emitting step, e.g. publish or each[3].load.")
  public String stepPath;

  @JsonPropertyDescription("The attempt of the step that succeeded and emitted it.")
  public Integer attempt;
}
