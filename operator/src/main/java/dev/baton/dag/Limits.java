package dev.baton.dag;

import java.time.Duration;

/**
 * Bounds on a definition, as Maestro sets them. Benchmarks relax {@link #maxSteps} to drive wide
 * graphs through the same compiler.
 *
 * @param maxSteps the most steps in one list: the workflow's, or one loop's body
 * @param maxTotalSteps the most steps across the whole tree, loop bodies included
 * @param maxLoopDepth how deep foreach and while steps may nest: a loop at the top is at depth 1
 */
public record Limits(
    int maxSteps,
    int maxDefinitionBytes,
    Duration maxTimeout,
    int maxTotalSteps,
    int maxLoopDepth) {
  public static final int DEFAULT_MAX_TOTAL_STEPS = 1000;
  public static final int DEFAULT_MAX_LOOP_DEPTH = 10;
  public static final Limits DEFAULT =
      new Limits(
          300, 256 * 1024, Duration.ofDays(120), DEFAULT_MAX_TOTAL_STEPS, DEFAULT_MAX_LOOP_DEPTH);
  public static final Duration DEFAULT_WORKFLOW_TIMEOUT = Duration.ofDays(10);

  /** The default tree bounds, with room for {@code maxSteps} at the top level. */
  public Limits(int maxSteps, int maxDefinitionBytes, Duration maxTimeout) {
    this(
        maxSteps,
        maxDefinitionBytes,
        maxTimeout,
        Math.max(DEFAULT_MAX_TOTAL_STEPS, maxSteps),
        DEFAULT_MAX_LOOP_DEPTH);
  }
}
