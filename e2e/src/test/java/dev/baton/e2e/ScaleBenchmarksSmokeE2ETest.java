package dev.baton.e2e;

import org.junit.jupiter.api.Test;

/**
 * Tiny runs of the scale benchmarks (e2e/bench.sh foreach and memory run the real ones), so they
 * cannot rot: each must still drive its runs to their end on the real API server and read the
 * operator's heap, RSS and CPU. Each throws if a run does not end as it should; no number printed
 * is checked.
 */
class ScaleBenchmarksSmokeE2ETest {
  @Test
  void foreachBenchmarkRunsToTheEnd() throws Exception {
    ForeachBenchmark.main(new String[] {"30", "10", "10"});
  }

  @Test
  void instancesMemoryBenchmarkRunsToTheEnd() throws Exception {
    InstancesMemoryBenchmark.main(new String[] {"5", "2"});
  }
}
