package dev.baton.flow;

/** One occurrence of a step: the step at {@code index} in {@code frame}. */
record Occurrence(Frame frame, int index) {
  /** Whether {@code attempt} is this occurrence's current one, in a frame still under way. */
  boolean isCurrent(int attempt) {
    return !frame.ended && attempt == frame.attempt[index];
  }
}
