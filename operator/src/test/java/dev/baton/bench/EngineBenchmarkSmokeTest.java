package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A tiny run of the engine benchmark's foreach (scripts/bench-engine.sh runs the full one), so the
 * benchmark cannot rot: it must still drive a foreach to Succeeded and see its status written. It
 * checks no speed and no memory: those are the benchmark's numbers to print.
 */
class EngineBenchmarkSmokeTest {
  @Test
  void foreachRunsToTheEnd() throws Exception {
    EngineBenchmark.ForeachResult result = EngineBenchmark.foreach(2_000, 50);

    assertThat(result.largestStatus()).isPositive();
    assertThat(result.iterationsPerSecond()).isPositive();
  }
}
