package dev.baton.flow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Json;
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
          "outputs: the termination message is not JSON (" + e.getOriginalMessage() + "): " + abbreviate(terminationMessage));
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "outputs: the termination message must be a JSON object, got: " + abbreviate(terminationMessage));
    }
    Map<String, JsonNode> map = new LinkedHashMap<>();
    node.properties().forEach(e -> map.put(e.getKey(), e.getValue()));
    return map;
  }

  private static String abbreviate(String s) {
    String t = s.strip();
    return t.length() <= 80 ? t : t.substring(0, 77) + "...";
  }
}
