package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum BackoffType {
  /** delay × factor^(retry−1), capped at maxDelay. */
  @JsonProperty("exponential")
  EXPONENTIAL,
  /** Always delay. */
  @JsonProperty("fixed")
  FIXED
}
