package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.Map;

/** One iteration under way. */
public class IterationStatus {
  @JsonPropertyDescription("Its loop values, by loop param name.")
  @PreserveUnknownFields
  public Map<String, JsonNode> values;

  @JsonPropertyDescription(
      "Its steps that have started, by id, each shaped like a step status (nested loops"
          + " included). Steps not listed have not started.")
  @PreserveUnknownFields
  public Map<String, JsonNode> steps;
}
