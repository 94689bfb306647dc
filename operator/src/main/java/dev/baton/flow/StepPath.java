package dev.baton.flow;

/**
 * A step occurrence's path: the step's id at the top, and inside loop iterations the loop step's
 * path, the iteration's index and the step's id ({@code days.3.work}, {@code days.3.inner.0.work}).
 * Commands, events and timers carry it as its text; this reads and writes that text in one place.
 */
final class StepPath {
  private final String[] parts;

  private StepPath(String[] parts) {
    this.parts = parts;
  }

  /**
   * The path {@code text} names, or null when it names none: empty parts, or a step id missing
   * after an iteration index.
   */
  static StepPath parse(String text) {
    if (text == null) return null;
    String[] parts = text.split("\\.", -1);
    if (parts.length % 2 == 0) return null;
    for (String p : parts) {
      if (p.isEmpty()) return null;
    }
    return new StepPath(parts);
  }

  /** What the paths of an iteration's steps start with: {@code days.3.} for iteration 3 of days. */
  static String iterationPrefix(String loopPath, long index) {
    return loopPath + "." + index + ".";
  }

  /** How many loop iterations deep the step is: 0 at the top. */
  int depth() {
    return parts.length / 2;
  }

  /** The id of the step at {@code level}: the named step at {@link #depth}, a loop step above it. */
  String step(int level) {
    return parts[2 * level];
  }

  /** The index of the iteration at {@code level} ({@code < depth}); -1 when it is not an index. */
  long iteration(int level) {
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
  public String toString() {
    return String.join(".", parts);
  }
}
