package dev.baton.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The operator process's memory as the benchmarks print it: its heap after a full GC (forced with
 * {@code jcmd <pid> GC.run}, then read from its /metrics) and its resident set size from /proc.
 * Also the CPU the measurement itself cost the operator, so a benchmark can leave it out.
 */
record OperatorMemory(long heapAfterGc, long rss, long measuringCpuNanos) {

  static OperatorMemory of(E2E.Operator operator) throws Exception {
    long pid = operator.process.pid();
    long cpu0 = ClusterBenchmark.cpuNanos(pid);
    Process jcmd =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      jcmd.destroyForcibly();
      throw new IllegalStateException("jcmd " + pid + " GC.run failed");
    }
    long heap = ClusterBenchmark.heapBytes(operator);
    long rss = rssBytes(pid);
    return new OperatorMemory(heap, rss, ClusterBenchmark.cpuNanos(pid) - cpu0);
  }

  /** VmRSS from /proc/pid/status. */
  static long rssBytes(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return 0;
  }

  @Override
  public String toString() {
    return String.format("heap after GC %d MB, RSS %d MB", heapAfterGc >> 20, rss >> 20);
  }
}
