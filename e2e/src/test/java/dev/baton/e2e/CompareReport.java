package dev.baton.e2e;

import dev.baton.e2e.CompareBenchmark.Column;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** CompareBenchmark's output: one Markdown block of tables, ready to paste into README. */
final class CompareReport {
  private final int instances;
  private final String started;
  private final String load0;
  private final String load1;
  private final List<Column> columns;

  CompareReport(int instances, String started, String load0, String load1, List<Column> columns) {
    this.instances = instances;
    this.started = started;
    this.load0 = load0;
    this.load1 = load1;
    this.columns = columns;
  }

  void print(PrintStream out) {
    out.printf(
        "#### e2e/compare.sh --instances %d: %s, %d cores, load average %s at the start, %s at the end%n%n",
        instances, started, Runtime.getRuntime().availableProcessors(), load0, load1);
    List<String> head = new ArrayList<>(List.of("measure"));
    columns.forEach(c -> head.add(c.name));
    row(out, head);
    List<String> sep = new ArrayList<>();
    head.forEach(h -> sep.add("---"));
    row(out, sep);
    line(
        out,
        "steps/s, "
            + instances
            + " x 20-step DAG (Kubernetes alone: "
            + instances * 20
            + " Jobs; Pods alone: as many bare pods)",
        c ->
            c.dag == null
                ? "-"
                : String.format("%.1f (%.0f s)", c.dag.stepsPerSecond(), c.dag.seconds()));
    line(
        out,
        "hand-off p50 / p99 / max, 1 x 20-step chain (ms)",
        c -> c.chain == null ? "-" : handoff(c.chain.handoffs()));
    line(
        out,
        "1 x 20-step chain, submitted -> ended (s)",
        c -> c.chain == null ? "-" : String.format("%.1f", c.chain.seconds()));
    line(
        out,
        "hand-off p50 / p99 / max, " + instances + " x DAG (ms)",
        c -> c.dag == null || c.dag.handoffs().length == 0 ? "-" : handoff(c.dag.handoffs()));
    line(
        out,
        "API server writes per step, " + instances + " x DAG",
        c -> c.dag == null ? "-" : String.format("%.1f", c.dag.writesPerStep()));
    Set<String> processes = new LinkedHashSet<>();
    for (Column c : columns) if (c.dag != null) processes.addAll(c.dag.cpu().keySet());
    for (String p : processes) {
      line(
          out,
          "CPU per step (ms), " + p,
          c -> {
            Long ns = c.dag == null ? null : c.dag.cpu().get(p);
            return ns == null ? "-" : String.format("%.1f", ns / 1e6 / c.dag.steps());
          });
    }
    line(
        out,
        "CPU per step (ms), all",
        c ->
            c.dag == null
                ? "-"
                : String.format(
                    "%.1f",
                    c.dag.cpu().values().stream().mapToLong(Long::longValue).sum()
                        / 1e6
                        / c.dag.steps()));
    line(
        out,
        "load average (1 min) at the end of the DAG run",
        c -> c.dag == null ? "-" : String.format("%.1f", c.dag.load()));
    out.println();

    Column k8s = find("Kubernetes alone");
    Column baton = find("Baton");
    out.println("Ratios (same run):");
    out.println();
    if (k8s != null && baton != null && k8s.dag != null && baton.dag != null) {
      out.printf(
          "- Baton / Kubernetes-alone throughput: %.2f%n",
          baton.dag.stepsPerSecond() / k8s.dag.stepsPerSecond());
    }
    Column pods = find("Pods alone");
    if (k8s != null && pods != null && k8s.dag != null && pods.dag != null) {
      out.printf(
          "- Job-based ceiling: Kubernetes-alone / Pods-alone throughput %.2f (one-pod Jobs against"
              + " bare pods: what the Job controller costs)%n",
          k8s.dag.stepsPerSecond() / pods.dag.stepsPerSecond());
      if (baton != null && baton.dag != null)
        out.printf(
            "- Baton / Pods-alone throughput: %.2f%n",
            baton.dag.stepsPerSecond() / pods.dag.stepsPerSecond());
      for (Column argo : columns) {
        if (argo.name.startsWith("Argo") && argo.dag != null)
          out.printf(
              "- %s / Pods-alone throughput: %.2f%n",
              argo.name, argo.dag.stepsPerSecond() / pods.dag.stepsPerSecond());
      }
    }
    for (Column argo : columns) {
      if (!argo.name.startsWith("Argo") || baton == null) continue;
      out.printf(
          "- %s: Baton / Argo throughput %.2f; Argo / Baton hand-off p50 at 1 instance %.1f, at %d instances %.1f%n",
          argo.name,
          baton.dag.stepsPerSecond() / argo.dag.stepsPerSecond(),
          ratio(argo.chain.handoffs(), baton.chain.handoffs()),
          instances,
          ratio(argo.dag.handoffs(), baton.dag.handoffs()));
    }
    out.println();
    if (baton != null && baton.batonJobHandoffs != null) {
      out.printf(
          "Baton's own share of a hand-off at %d instances (upstream pod Succeeded -> downstream Job ADDED; the Job controller then creates the pod): %s ms%n%n",
          instances, handoff(baton.batonJobHandoffs));
    }
    if (baton != null && baton.operatorView != null) {
      out.printf(
          "The operator's own view at the end of the %d-instance run (its /metrics, over about the last two minutes): %s%n%n",
          instances, baton.operatorView);
    }
    out.println(
        "Hand-off: from the last upstream step's pod seen Succeeded to the step's pod first seen, by one"
            + " watcher for all. Steps/s: steps / (first run submitted -> last run ended). CPU from"
            + " /proc of each process; writes from the API server's apiserver_request_total.");
    out.println();
    out.println("Settings:");
    out.println();
    out.println(
        "- Baton: the operator jar as e2e/bench.sh runs it (-Xmx512m, the chart's ServiceAccount,"
            + " defaults), after an unmeasured warm-up of "
            + CompareWork.BATON_WARM_UP
            + " x DAG for the JIT");
    out.println(
        "- Argo defaults: no flags or environment of its own (requeue 10 s, QPS 20, burst 30, 32"
            + " workflow workers)");
    out.println("- Argo tuned: " + ArgoController.TUNED.describe());
    out.println(
        "- Argo both: --namespaced --managed-namespace=argo-bench, LEADER_ELECTION_DISABLE=true, log level info");
    out.println();
    out.println("Top API server writes per step, " + instances + " x DAG:");
    out.println();
    for (Column c : columns) {
      if (c.dag == null) continue;
      out.println(
          "- "
              + c.name
              + ": "
              + ClusterBenchmark.writesPer(c.dag.writes(), c.dag.steps(), 8, false));
    }
  }

  private Column find(String name) {
    return columns.stream().filter(c -> c.name.equals(name)).findFirst().orElse(null);
  }

  private void line(PrintStream out, String measure, Function<Column, String> cell) {
    List<String> cells = new ArrayList<>(List.of(measure));
    columns.forEach(c -> cells.add(cell.apply(c)));
    row(out, cells);
  }

  private static void row(PrintStream out, List<String> cells) {
    out.println("| " + String.join(" | ", cells) + " |");
  }

  static String handoff(long[] sorted) {
    if (sorted.length == 0) return "-";
    return String.format(
        "%.0f / %.0f / %.0f",
        ClusterBenchmark.pct(sorted, 50) / 1e6,
        ClusterBenchmark.pct(sorted, 99) / 1e6,
        ClusterBenchmark.pct(sorted, 100) / 1e6);
  }

  private static double ratio(long[] a, long[] b) {
    double pb = ClusterBenchmark.pct(b, 50);
    return pb == 0 ? Double.NaN : ClusterBenchmark.pct(a, 50) / pb;
  }
}
