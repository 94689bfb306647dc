package dev.baton.expr;

import java.util.Map;

/**
 * What an expression can see. Values are CEL's Java forms: String, Long, Double, Boolean, List,
 * Map; {@link Values#fromJson} makes them from JSON.
 *
 * <p>A scope is also one rendering, such as a Job's command, args and env: the {@link Template
 * templates} rendered against it may make at most {@link Expressions#MAX_RESULT} characters
 * together, counted in {@code rendered}. Each template is bounded; many could still add up.
 */
public record Scope(
    Map<String, Object> params,
    Map<String, Object> steps,
    Map<String, Object> loop,
    Map<String, Object> last,
    Map<String, Object> signal,
    Map<String, Object> signals,
    Rendered rendered) {
  /** The characters rendered against a scope so far. */
  public static final class Rendered {
    /** Counts nothing: for {@link #EMPTY}, shared by all, which has no params to render. */
    private static final Rendered UNCOUNTED = new Rendered();

    private long chars;

    /** Counts {@code n} more characters; throws once they pass the limit. */
    void add(long n, String source) {
      if (this == UNCOUNTED) return;
      chars += n;
      if (chars > Expressions.MAX_RESULT) {
        throw new ExpressionException(
            "'"
                + source
                + "' renders past "
                + Expressions.MAX_RESULT
                + " characters, with the other templates rendered with it");
      }
    }
  }

  public static final Scope EMPTY =
      new Scope(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Rendered.UNCOUNTED);

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
  public Scope(
      Map<String, Object> params,
      Map<String, Object> steps,
      Map<String, Object> loop,
      Map<String, Object> last) {
    this(params, steps, loop, last, Map.of(), Map.of(), new Rendered());
  }

  /**
   * This scope with the {@code signal} variable: {@code {name, params}} of the signal a trigger or
   * a signal step is looking at.
   */
  public Scope withSignal(Map<String, Object> signal) {
    return new Scope(params, steps, loop, last, signal, signals, rendered);
  }

  /**
   * This scope with the {@code signals} variable: a signal trigger's joined signals by signal name,
   * each {@code {name, params}}.
   */
  public Scope withSignals(Map<String, Object> signals) {
    return new Scope(params, steps, loop, last, signal, signals, rendered);
  }

  Map<String, Object> asVariables() {
    return Map.of(
        "params", params, "steps", steps, "loop", loop, "last", last, "signal", signal, "signals",
        signals);
  }
}
