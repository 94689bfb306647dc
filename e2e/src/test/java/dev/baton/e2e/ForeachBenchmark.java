package dev.baton.e2e;

import dev.baton.api.Json;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One big foreach on the real API server: {@code e2e/bench.sh foreach [iterations] [concurrency]
 * [kubernetesJobs]} (default 2000 at 200). Each iteration is one Job whose kwok pod completes at
 * once. On the local cluster each side runs on a new cluster ({@link
 * ClusterBenchmark#freshCluster}). First, with no operator running, Kubernetes alone: {@code
 * kubernetesJobs} one-pod Jobs (default the iterations, at most 5,000) created from 16 threads with
 * at most {@code concurrency} unfinished at once, timed to their pods' Succeeded. Then Baton's
 * foreach, timed from the instance's creation to its end. Every 1,000 iterations it prints the
 * operator's heap after a forced full GC and its RSS, its CPU per iteration over those 1,000 (the
 * GC and the reading left out), and the instance object's size; at the end iterations/s against
 * Kubernetes alone and the largest instance object seen by a watch (the status must stay small
 * however many iterations). On the local cluster it also prints the CPU of each of the cluster's
 * processes and of this watcher, per Job for Kubernetes alone and per iteration for the foreach
 * (each 1,000 and the whole run), and the API server's writes by verb and resource: where an
 * iteration's cost beyond the operator's goes.
 */
public final class ForeachBenchmark {
  static final String NS = "bench-foreach";
  static final String K8S_NS = "bench-foreach-k8s";
  static final int EVERY = 1000;

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int kubernetesJobs = args.length > 2 ? Integer.parseInt(args[2]) : Math.min(iterations, 5000);
    String from = "2020-01-01";
    String to = LocalDate.parse(from).plusDays(iterations - 1).toString();
    double kubernetesAlone;
    Map<String, Long> aloneCpu;
    Map<String, Double> aloneWrites;
    ClusterBenchmark.freshCluster();
    try (KubernetesClient client = E2E.admin()) {
      E2E.removeNamespace(client, K8S_NS);
      E2E.removeNamespace(client, NS);
      E2E.namespace(client, K8S_NS);
      Map<String, Long> aloneCpu0 = CompareBenchmark.cpu(null, 0);
      Map<String, Double> aloneWrites0 = ClusterBenchmark.apiWrites(client);
      kubernetesAlone =
          ClusterBenchmark.lifecycleRate(client, K8S_NS, kubernetesJobs, 16, concurrency);
      aloneCpu = CompareBenchmark.diff(aloneCpu0, CompareBenchmark.cpu(null, 0));
      aloneWrites = CompareBenchmark.diffWrites(aloneWrites0, ClusterBenchmark.apiWrites(client));
      System.out.printf(
          "Kubernetes alone (no operator): %d one-pod Jobs, at most %d unfinished at once, ran to pod"
              + " Succeeded at %.1f Jobs/s%n",
          kubernetesJobs, concurrency, kubernetesAlone);
      System.out.printf("  CPU per Job: %s%n", perUnit(aloneCpu, kubernetesJobs));
      System.out.printf(
          "  API server writes per Job: %s%n", writesPer(aloneWrites, kubernetesJobs));
      // The local cluster is replaced below: deleting thousands of Jobs first would only wait.
      if (!ClusterBenchmark.onLocalCluster()) E2E.removeNamespace(client, K8S_NS);
    }
    // Baton's side on a new cluster too, not on the API server and etcd that have just served and
    // deleted the Jobs above (see ClusterBenchmark.freshCluster); a new client for its new
    // certificates.
    ClusterBenchmark.freshCluster();
    try (KubernetesClient client = E2E.admin()) {
      E2E.namespace(client, NS);
      E2E.apply(client, NS, bigLoop(concurrency, from, to));
      E2E.Operator operator = E2E.Operator.start("bench-foreach");
      try {
        AtomicLong largest = new AtomicLong();
        AtomicLong latestSize = new AtomicLong();
        AtomicReference<WorkflowInstance> last = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        Watch watch =
            client
                .resources(WorkflowInstance.class)
                .inNamespace(NS)
                .watch(
                    E2E.watcher((action, wi) -> {
                      long size = Json.write(wi).getBytes(StandardCharsets.UTF_8).length;
                      largest.accumulateAndGet(size, Math::max);
                      latestSize.set(size);
                      last.set(wi);
                      if (wi.getStatus() != null
                          && wi.getStatus().phase != null
                          && wi.getStatus().phase.isFinal()) ended.countDown();
                    }));
        System.out.printf(
            "A foreach of %d iterations at concurrency %d on a real API server (kwok pods complete at once)%n",
            iterations, concurrency);
        System.out.printf("  before the run: operator %s%n", OperatorMemory.of(operator));
        long t0 = System.nanoTime();
        E2E.apply(client, NS, Cluster.instanceYaml("big-loop-1", "big-loop"));
        long deadline = System.nanoTime() + Duration.ofMinutes(90).toNanos();
        long windowCpu0 = ClusterBenchmark.cpuNanos(operator.process.pid());
        Map<String, Long> runCpu0 = CompareBenchmark.cpu(null, 0);
        Map<String, Double> runWrites0 = ClusterBenchmark.apiWrites(client);
        Map<String, Long> windowClusterCpu0 = runCpu0;
        long windowT0 = t0;
        long windowDone0 = 0;
        boolean windowRestarted = false;
        long measuredCpu = 0; // operator CPU over the windows measured whole
        long measuredIterations = 0;
        int restarts = 0;
        long maxHeap = 0;
        List<Double> cpuPerIteration = new ArrayList<>();
        while (true) {
          boolean over = ended.await(200, TimeUnit.MILLISECONDS);
          if (!over && System.nanoTime() > deadline)
            throw new IllegalStateException("the loop did not end in 90 minutes");
          if (!operator.process.isAlive()) {
            // It exits when it loses its Lease, as on an overloaded machine; a Deployment would
            // start another. That window's CPU is not known (the old process's /proc is gone).
            restarts++;
            System.out.printf(
                "  the operator exited (code %d, see %s); starting another%n",
                operator.process.exitValue(), operator.log.getFileName());
            operator = E2E.Operator.start("bench-foreach-" + (restarts + 1));
            windowRestarted = true;
            continue;
          }
          WorkflowInstance wi = last.get();
          long done =
              wi == null
                      || wi.getStatus() == null
                      || wi.getStatus().rollup == null
                      || wi.getStatus().rollup.done == null
                  ? 0
                  : wi.getStatus().rollup.done;
          if (done - windowDone0 >= EVERY || (over && done > windowDone0)) {
            long cpu = ClusterBenchmark.cpuNanos(operator.process.pid());
            long now = System.nanoTime();
            OperatorMemory mem = OperatorMemory.of(operator);
            maxHeap = Math.max(maxHeap, mem.heapAfterGc());
            String cpuText = "operator CPU (restarted: unknown)";
            if (!windowRestarted) {
              double perIteration = (cpu - windowCpu0) / 1e6 / (done - windowDone0);
              cpuPerIteration.add(perIteration);
              measuredCpu += cpu - windowCpu0;
              measuredIterations += done - windowDone0;
              cpuText = String.format("operator CPU %5.1f ms/iteration", perIteration);
            }
            System.out.printf(
                "  %6d iterations at %6.1f s: %5.1f iterations/s, %s, %s, instance %d KB%n",
                done,
                (now - t0) / 1e9,
                (done - windowDone0) / ((now - windowT0) / 1e9),
                cpuText,
                mem,
                latestSize.get() >> 10);
            Map<String, Long> clusterCpu = CompareBenchmark.cpu(null, 0);
            System.out.printf(
                "           the rest, CPU per iteration: %s%n",
                perUnit(CompareBenchmark.diff(windowClusterCpu0, clusterCpu), done - windowDone0));
            windowClusterCpu0 = clusterCpu;
            windowDone0 = done;
            windowT0 = System.nanoTime();
            windowCpu0 = ClusterBenchmark.cpuNanos(operator.process.pid());
            windowRestarted = false;
          }
          if (over) break;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> runCpu = CompareBenchmark.diff(runCpu0, CompareBenchmark.cpu(null, 0));
        Map<String, Double> runWrites =
            CompareBenchmark.diffWrites(runWrites0, ClusterBenchmark.apiWrites(client));
        watch.close();
        var st = last.get().getStatus();
        if (!"Succeeded".equals(st.phase.name()))
          throw new IllegalStateException("the loop ended " + st.phase + ": " + st.message);
        double rate = iterations / seconds;
        System.out.printf(
            "  wall time %.1f s: %.1f iterations/s, %.0f%% of Kubernetes alone's %.1f Jobs/s (target"
                + " >= 80%%); rollup %s; operator restarts %d%n",
            seconds,
            rate,
            100 * rate / kubernetesAlone,
            kubernetesAlone,
            st.rollup == null ? "?" : st.rollup.progress,
            restarts);
        System.out.printf(
            "  operator: %.1f ms CPU per iteration over %d iterations (the GCs and readings left"
                + " out), %.0f%% of one core; heap after GC at most %d MB (target < 512 MB)%n",
            measuredCpu / 1e6 / Math.max(1, measuredIterations),
            measuredIterations,
            100 * (measuredCpu / 1e9) / (measuredIterations / rate),
            maxHeap >> 20);
        if (cpuPerIteration.size() > 1)
          System.out.printf(
              "  operator CPU per iteration, first 1,000 / last: %.1f / %.1f ms (x%.2f; target flat)%n",
              cpuPerIteration.getFirst(),
              cpuPerIteration.getLast(),
              cpuPerIteration.getLast() / cpuPerIteration.getFirst());
        System.out.printf(
            "  largest WorkflowInstance seen: %d KB (target < 256 KB)%n", largest.get() >> 10);
        System.out.printf(
            "  CPU per iteration besides the operator's: %s (Kubernetes alone, per Job: %s)%n",
            perUnit(runCpu, iterations), perUnit(aloneCpu, kubernetesJobs));
        System.out.printf(
            "  API server writes per iteration: %s (Kubernetes alone, per Job: %s)%n",
            writesPer(runWrites, iterations), writesPer(aloneWrites, kubernetesJobs));
      } finally {
        operator.close();
        client.namespaces().withName(NS).delete();
      }
    }
  }

  /**
   * CPU by process per unit (Job or iteration), in ms: the local cluster's processes when the
   * benchmark started it (their pid files), and this watcher; empty on another cluster.
   */
  static String perUnit(Map<String, Long> cpuNanos, long units) {
    StringBuilder text = new StringBuilder();
    long total = 0;
    for (var e : cpuNanos.entrySet()) {
      total += e.getValue();
      text.append(String.format("%s %.1f, ", e.getKey(), e.getValue() / 1e6 / Math.max(1, units)));
    }
    return text.append(String.format("all %.1f ms", total / 1e6 / Math.max(1, units))).toString();
  }

  /** API server writes per unit, by verb and resource, most first; and their sum. */
  static String writesPer(Map<String, Double> writes, long units) {
    return ClusterBenchmark.writesPer(writes, units, Integer.MAX_VALUE, true);
  }

  /**
   * The Workflow {@code big-loop}: a foreach over the days from {@code from} to {@code to}, one job
   * step each, at {@code concurrency}.
   */
  static String bigLoop(int concurrency, String from, String to) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: big-loop
    spec:
      stepConcurrency: %d
      steps:
        - id: days
          type: foreach
          foreach:
            over:
              - name: day
                expr: dates('%s', '%s')
            concurrency: %d
          steps:
            - id: work
              job:
                image: busybox:1.36
                command: [sh, -c, 'echo "$0"', '${loop.day}']
    """
        .formatted(concurrency, from, to, concurrency);
  }
}
