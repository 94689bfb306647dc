package dev.baton.e2e;

import dev.baton.api.Json;
import dev.baton.api.WorkflowInstance;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One big foreach on the real API server: {@code e2e/bench.sh foreach [iterations] [concurrency]}
 * (default 2000 at 200). Each iteration is one Job whose kwok pod completes at once. Prints the
 * wall time from the instance's creation to its end, iterations per second, the operator's CPU and
 * heap, and the largest instance object seen by a watch (the status must stay small however many
 * iterations there are).
 */
public final class ForeachBenchmark {
  static final String NS = "bench-foreach";

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    String from = "2020-01-01";
    String to = LocalDate.parse(from).plusDays(iterations - 1).toString();
    try (KubernetesClient client = E2E.admin()) {
      E2E.namespace(client, NS);
      E2E.apply(
          client,
          NS,
          """
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
              .formatted(concurrency, from, to, concurrency));
      try (E2E.Operator operator = E2E.Operator.start("bench-foreach")) {
        AtomicLong largest = new AtomicLong();
        AtomicReference<WorkflowInstance> last = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        Watch watch =
            client
                .resources(WorkflowInstance.class)
                .inNamespace(NS)
                .watch(
                    new Watcher<>() {
                      @Override
                      public void eventReceived(Action action, WorkflowInstance wi) {
                        largest.accumulateAndGet(
                            Json.write(wi).getBytes(StandardCharsets.UTF_8).length, Math::max);
                        last.set(wi);
                        if (wi.getStatus() != null
                            && wi.getStatus().phase != null
                            && wi.getStatus().phase.isFinal()) ended.countDown();
                      }

                      @Override
                      public void onClose(WatcherException cause) {}
                    });
        long cpu0 = ClusterBenchmark.cpuNanos(operator.process.pid());
        long t0 = System.nanoTime();
        E2E.apply(
            client,
            NS,
            """
            apiVersion: baton.dev/v1alpha1
            kind: WorkflowInstance
            metadata:
              name: big-loop-1
            spec:
              workflow: big-loop
            """);
        long maxHeap = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        long nextHeapSample = 0;
        while (!ended.await(500, TimeUnit.MILLISECONDS)) {
          if (System.nanoTime() > deadline)
            throw new IllegalStateException("the loop did not end in 30 minutes");
          if (System.nanoTime() >= nextHeapSample) {
            maxHeap = Math.max(maxHeap, ClusterBenchmark.heapBytes(operator));
            nextHeapSample = System.nanoTime() + ClusterBenchmark.HEAP_SAMPLE_NANOS;
          }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (ClusterBenchmark.cpuNanos(operator.process.pid()) - cpu0) / 1e9;
        watch.close();
        var st = last.get().getStatus();
        if (!"Succeeded".equals(st.phase.name()))
          throw new IllegalStateException("the loop ended " + st.phase + ": " + st.message);
        System.out.printf(
            "A foreach of %d iterations at concurrency %d on a real API server (kwok pods complete at once)%n",
            iterations, concurrency);
        System.out.printf(
            "  wall time %.1f s: %.1f iterations/s; rollup %s%n",
            seconds, iterations / seconds, st.rollup == null ? "?" : st.rollup.progress);
        System.out.printf(
            "  operator: %.1f CPU-seconds (%.0f%% of one core), heap at most %d MB%n",
            cpuSeconds, 100 * cpuSeconds / seconds, maxHeap >> 20);
        System.out.printf("  largest WorkflowInstance seen: %d KB%n", largest.get() >> 10);
      } finally {
        client.namespaces().withName(NS).delete();
      }
    }
  }
}
