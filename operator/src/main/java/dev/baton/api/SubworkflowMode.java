package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum SubworkflowMode {
  /** Wait for the child run and take its outcome and outputs. */
  @JsonProperty("sync")
  SYNC,
  /** Start the child run and go on. */
  @JsonProperty("async")
  ASYNC
}
