package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a failed iteration does to its foreach. */
public enum IterationFailurePolicy {
  /** No new iterations start; the running ones finish; then the step fails. The default. */
  @JsonProperty("stop")
  STOP,
  /** Every iteration runs; then the step fails if any failed. */
  @JsonProperty("continue")
  CONTINUE
}
