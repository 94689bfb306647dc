package dev.baton.flow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Json;
import dev.baton.util.Text;
import java.util.LinkedHashMap;
import java.util.Map;

/** A job step's outputs: the JSON object its container writes as its termination message. */
final class StepOutputs {
  private StepOutputs() {}

  /**
   * The outputs in {@code terminationMessage}; empty when there is none.
   *
   * @throws IllegalArgumentException when it is not a JSON object: a user error
   */
  static Map<String, JsonNode> parse(String terminationMessage) {
    if (terminationMessage == null || terminationMessage.isBlank()) return Map.of();
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(terminationMessage);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "outputs: the termination message is not JSON ("
              + e.getOriginalMessage()
              + "): "
              + Text.abbreviate(terminationMessage.strip(), 80));
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "outputs: the termination message must be a JSON object, got: "
              + Text.abbreviate(terminationMessage.strip(), 80));
    }
    Map<String, JsonNode> map = new LinkedHashMap<>();
    node.properties().forEach(e -> map.put(e.getKey(), e.getValue()));
    return map;
  }
}
