package dev.baton.flow;

/**
 * A step occurrence's path: the step's id at the top, and inside loop iterations the loop step's
 * path, the iteration's index and the step's id ({@code days.3.work}, {@code days.3.inner.0.work}).
 * Commands, events and timers carry it; its text ({@link #toString}) is what labels, annotations
 * and status maps hold. A value: two paths with the same text are equal.
 */
public final class StepPath {
  private final String text;
  private final String[] parts;

  private StepPath(String text, String[] parts) {
    this.text = text;
    this.parts = parts;
  }

  /**
   * The path {@code text} names, or null when it names none (null text, empty parts, or a step id
   * missing after an iteration index). For text from outside: a label, an annotation.
   */
  public static StepPath parse(String text) {
    if (text == null) return null;
    String[] parts = text.split("\\.", -1);
    if (parts.length % 2 == 0) return null;
    for (String p : parts) {
      if (p.isEmpty()) return null;
    }
    return new StepPath(text, parts);
  }

  /**
   * The path {@code text} names; null for null text (a workflow timer has no path).
   *
   * @throws IllegalArgumentException when the text names no path (see {@link #parse})
   */
  public static StepPath of(String text) {
    if (text == null) return null;
    StepPath p = parse(text);
    if (p == null) throw new IllegalArgumentException("not a step path: '" + text + "'");
    return p;
  }

  /** What the paths of an iteration's steps start with: {@code days.3.} for iteration 3 of days. */
  static String iterationPrefix(StepPath loopPath, long index) {
    return iterationPrefix(loopPath.text, index);
  }

  /** {@link #iterationPrefix(StepPath, long)} for the loop path's text. */
  static String iterationPrefix(String loopPath, long index) {
    return loopPath + "." + index + ".";
  }

  /** How many loop iterations deep the step is: 0 at the top. */
  public int depth() {
    return parts.length / 2;
  }

  /**
   * The id of the step at {@code level}: the named step at {@link #depth}, a loop step above it.
   */
  public String step(int level) {
    return parts[2 * level];
  }

  /** The index of the iteration at {@code level} ({@code < depth}); -1 when it is not an index. */
  public long iteration(int level) {
    String p = parts[2 * level + 1];
    for (int k = 0; k < p.length(); k++) {
      if (p.charAt(k) < '0' || p.charAt(k) > '9') return -1;
    }
    try {
      return Long.parseLong(p);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StepPath p && text.equals(p.text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** The path's text, as in labels and annotations: {@code days.3.work}. */
  @Override
  public String toString() {
    return text;
  }
}
