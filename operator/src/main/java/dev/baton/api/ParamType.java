package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The JSON type a param's value must have. */
public enum ParamType {
  @JsonProperty("string")
  STRING,
  @JsonProperty("integer")
  INTEGER,
  @JsonProperty("number")
  NUMBER,
  @JsonProperty("boolean")
  BOOLEAN,
  @JsonProperty("array")
  ARRAY,
  @JsonProperty("object")
  OBJECT;

  /** The name as users write it. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
