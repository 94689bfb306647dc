package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a step does. The engine switches over it exhaustively, so adding one is a compile error
 * everywhere it must be handled.
 */
public enum StepType {
  /** Runs a container as a Kubernetes Job (the default). */
  @JsonProperty("job")
  JOB,
  /** Does nothing and succeeds at once: a join point or a placeholder. */
  @JsonProperty("noop")
  NOOP,
  /** Waits for its {@code sleep} duration, in the operator, with no Job. */
  @JsonProperty("sleep")
  SLEEP,
  /** Runs its inner {@code steps} once per item of {@code foreach.over}, several at a time. */
  @JsonProperty("foreach")
  FOREACH,
  /** Runs its inner {@code steps} again and again while {@code while.condition} holds. */
  @JsonProperty("while")
  WHILE,
  /** Runs another Workflow as a child WorkflowInstance. */
  @JsonProperty("subworkflow")
  SUBWORKFLOW,
  /** Waits, in the operator, with no Job, until a matching Signal exists. */
  @JsonProperty("signal")
  SIGNAL;

  /** Holds inner steps of its own. */
  public boolean isLoop() {
    return this == FOREACH || this == WHILE;
  }
}
