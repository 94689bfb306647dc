package dev.baton.dag;

import java.time.Duration;

/**
 * Bounds on a definition, as Maestro sets them. Benchmarks relax {@link #maxSteps} to drive wide
 * graphs through the same compiler.
 */
public record Limits(int maxSteps, int maxDefinitionBytes, Duration maxTimeout) {
  public static final Limits DEFAULT = new Limits(300, 256 * 1024, Duration.ofDays(120));
  public static final Duration DEFAULT_WORKFLOW_TIMEOUT = Duration.ofDays(10);
}
