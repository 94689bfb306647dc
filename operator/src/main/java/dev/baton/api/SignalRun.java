package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One run a signal started through a signal trigger, or that trigger's reason it could not. */
public class SignalRun {
  @JsonPropertyDescription("The Workflow whose trigger matched.")
  public String workflow;

  @JsonPropertyDescription("The signal trigger's name.")
  public String trigger;

  @JsonPropertyDescription("The WorkflowInstance started; absent when none could be.")
  public String instance;

  @JsonPropertyDescription("Why no run started (the Workflow is invalid, the params do not fit).")
  public String error;

  @JsonPropertyDescription("When this was recorded.")
  public String time;

  public SignalRun() {}

  public SignalRun(String workflow, String trigger, String instance, String error, String time) {
    this.workflow = workflow;
    this.trigger = trigger;
    this.instance = instance;
    this.error = error;
    this.time = time;
  }
}
