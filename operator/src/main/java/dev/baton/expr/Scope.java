package dev.baton.expr;

import java.util.Map;

/**
 * What an expression can see. Values are CEL's Java forms: String, Long, Double, Boolean, List,
 * Map; {@link Values#fromJson} makes them from JSON.
 */
public record Scope(
    Map<String, Object> params,
    Map<String, Object> steps,
    Map<String, Object> loop,
    Map<String, Object> last) {
  public static final Scope EMPTY = new Scope(Map.of(), Map.of());

  /**
   * Outside loops.
   *
   * @param steps the visible steps by id: inside a loop iteration, the iteration's own steps over
   *     those outside the loop
   */
  public Scope(Map<String, Object> params, Map<String, Object> steps) {
    this(params, steps, Map.of(), Map.of());
  }

  /**
   * @param loop inside a loop: loop.index and the loop params (an inner loop's over an outer's)
   * @param last in a while loop: the previous iteration's steps by id
   */
  public Scope {}

  Map<String, Object> asVariables() {
    return Map.of("params", params, "steps", steps, "loop", loop, "last", last);
  }
}
