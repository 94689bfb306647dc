package dev.baton.expr;

import java.util.Map;

/**
 * What an expression can see. Values are CEL's Java forms: String, Long, Double, Boolean, List,
 * Map; {@link Values#fromJson} makes them from JSON.
 */
public record Scope(Map<String, Object> params, Map<String, Object> steps) {
  public static final Scope EMPTY = new Scope(Map.of(), Map.of());

  Map<String, Object> asVariables() {
    return Map.of("params", params, "steps", steps);
  }
}
