package dev.baton.expr;

import com.google.protobuf.ByteString;
import dev.cel.common.ast.CelExpr;
import dev.cel.runtime.CelEvaluationListener;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What one evaluation has spent, and the limits it may not pass. CEL's interpreter calls {@link
 * #callback} with the value of every node it evaluated, right after evaluating it; a value over a
 * limit, or a node past the cost budget, throws there, and the interpreter ends the evaluation.
 *
 * <p>The cost is one per node evaluated, plus one per list or map element and per {@value
 * #CHARS_PER_UNIT} characters (or bytes) of each value the evaluation sees. Every value an
 * evaluation can hold was either an input (params, steps: bounded), a constant (bounded by the
 * expression's size) or made by a node, and a value made by a node is charged its size once: large
 * values are remembered by identity, so a value passed along (by an index, a ternary, a variable)
 * is not charged again, and a list that grows in place (the accumulator of map and filter) is
 * charged only what it grew by. So the budget bounds the memory an evaluation can hold, not only
 * its time. Not thread-safe: one per evaluation.
 */
final class Budget implements CelEvaluationListener {
  static final int CHARS_PER_UNIT = 10;

  /** Values smaller than this are charged each time they are seen instead of remembered. */
  private static final int REMEMBER_FROM = 32;

  private final long maxCost;
  private final int maxText;
  private final int maxElements;
  private final Map<Object, Integer> charged = new IdentityHashMap<>();
  private long cost;

  /** Why the evaluation was stopped; kept, for CEL may swallow the throw inside {@code ||}. */
  private String exceeded;

  Budget(long maxCost, int maxText, int maxElements) {
    this.maxCost = maxCost;
    this.maxText = maxText;
    this.maxElements = maxElements;
  }

  /** Thrown inside CEL's interpreter, which wraps it in its own evaluation exception. */
  static final class Exceeded extends RuntimeException {
    Exceeded(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public void callback(CelExpr expr, Object value) {
    if (exceeded != null) throw new Exceeded(exceeded);
    cost++;
    switch (value) {
      case String s -> text(s, s.length());
      case ByteString b -> text(b, b.size());
      case Collection<?> c -> elements(c, c.size(), "list");
      case Map<?, ?> m -> elements(m, m.size(), "map");
      case null, default -> {}
    }
    if (cost > maxCost) fail("exceeded the evaluation budget (cost " + maxCost + ")");
  }

  private void text(Object value, int length) {
    if (length > maxText) {
      fail("made a string of " + length + " characters, over the limit of " + maxText);
    }
    charge(value, length, CHARS_PER_UNIT);
  }

  private void elements(Object value, int size, String kind) {
    if (size > maxElements) {
      fail("made a " + kind + " of " + size + " elements, over the limit of " + maxElements);
    }
    charge(value, size, 1);
  }

  private void charge(Object value, int size, int perUnit) {
    int before = 0;
    if (size >= REMEMBER_FROM) {
      Integer seen = charged.put(value, size);
      if (seen != null) before = Math.min(seen, size);
    }
    cost += ((long) size - before + perUnit - 1) / perUnit;
  }

  private void fail(String why) {
    exceeded = why;
    throw new Exceeded(why);
  }

  /** Why the evaluation went over a limit, or null. */
  String exceeded() {
    return exceeded;
  }

  long cost() {
    return cost;
  }
}
