package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a step does. foreach, while and subworkflow will join this set; the engine switches over
 * it exhaustively, so adding one is a compile error everywhere it must be handled.
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
  SLEEP
}
