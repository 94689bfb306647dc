package dev.baton.e2e;

import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The operator's memory with many instances in the cluster: {@code e2e/bench.sh memory [finished]
 * [running]} (default 1000 and 200). {@code finished} instances of a one-step workflow run to
 * Succeeded (their Jobs and Pods kept, as for the Job TTL), then {@code running} instances of a
 * one-step workflow whose kwok pod runs for an hour. Prints the operator's heap after a forced full
 * GC and its RSS before, with the finished ones, with both, and after a restart of the operator
 * that finds them all in the cluster.
 */
public final class InstancesMemoryBenchmark {
  static final String NS = "bench-memory";

  public static void main(String[] args) throws Exception {
    int finished = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int running = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    try (KubernetesClient client = E2E.admin()) {
      E2E.removeNamespace(client, NS);
      E2E.namespace(client, NS);
      E2E.apply(
          client,
          NS,
          """
          apiVersion: baton.dev/v1alpha1
          kind: Workflow
          metadata:
            name: quick
          spec:
            runStrategy: {type: Parallel, concurrency: 10000}
            retention: {succeeded: All, failed: All}   # the default keeps 100: the runs are more
            steps:
              - id: work
                job: {image: busybox:1.36, command: [sh, -c, 'true']}
          ---
          apiVersion: baton.dev/v1alpha1
          kind: Workflow
          metadata:
            name: long
          spec:
            runStrategy: {type: Parallel, concurrency: 10000}
            retention: {succeeded: All, failed: All}   # the default keeps 100: the runs are more
            steps:
              - id: work
                job:
                  image: busybox:1.36
                  command: [sh, -c, 'sleep 3600']
                  podTemplate:
                    metadata:
                      annotations:
                        baton.dev/fake-duration: 1h
          """);
      List<Watch> watches = watch(client);
      System.out.printf(
          "Operator memory with %d finished and %d running instances (one job step each)%n",
          finished, running);
      try (E2E.Operator operator = E2E.Operator.start("bench-memory")) {
        current = operator;
        System.out.printf("  no instances:                %s%n", OperatorMemory.of(operator));
        create(client, "quick", "done-", finished);
        awaitCount("done-", finished, "Succeeded");
        System.out.printf(
            "  %5d finished:              %s%n", finished, OperatorMemory.of(operator));
        create(client, "long", "held-", running);
        awaitCount("held-", running, "Running");
        awaitRunningPods(running);
        System.out.printf(
            "  %5d finished, %d running:  %s%n", finished, running, OperatorMemory.of(operator));
      }
      try (E2E.Operator operator = E2E.Operator.start("bench-memory-2")) {
        current = operator;
        // A new operator lists every instance, Job and Pod and resumes the running ones.
        Thread.sleep(Duration.ofSeconds(30).toMillis());
        awaitCount("held-", running, "Running");
        System.out.printf(
            "  the same, a restarted operator (after 30 s): %s%n", OperatorMemory.of(operator));
      }
      watches.forEach(Watch::close);
    } finally {
      try (KubernetesClient client = E2E.admin()) {
        client.namespaces().withName(NS).delete();
      }
    }
  }

  static void create(KubernetesClient client, String workflow, String prefix, int n)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = prefix + i;
        futures.add(
            pool.submit(() -> {
              String yaml = Cluster.instanceYaml(name, workflow);
              // A loaded API server may not answer in time: try again; AlreadyExists means
              // an earlier try got through.
              for (int attempt = 1; ; attempt++) {
                try {
                  return E2E.apply(client, NS, yaml);
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                  if (e.getCode() == 409) return null;
                  if (e.getCode() > 0 || attempt == 10) throw e;
                  Thread.sleep(500);
                }
              }
            }));
      }
      for (Future<?> f : futures) f.get();
    } finally {
      pool.shutdown();
    }
  }

  /** Each instance's phase and each pod's, as watches deliver them: no list of a thousand. */
  static final Map<String, String> PHASES = new ConcurrentHashMap<>();

  static final Map<String, String> POD_PHASES = new ConcurrentHashMap<>();

  static List<Watch> watch(KubernetesClient client) {
    return List.of(
        client
            .resources(WorkflowInstance.class)
            .inNamespace(NS)
            .watch(
                E2E.watcher((action, wi) -> {
                  var st = wi.getStatus();
                  if (st != null && st.phase != null)
                    PHASES.put(wi.getMetadata().getName(), st.phase.name());
                })),
        client
            .pods()
            .inNamespace(NS)
            .watch(
                E2E.watcher((action, pod) -> {
                  if (pod.getStatus() != null && pod.getStatus().getPhase() != null)
                    POD_PHASES.put(pod.getMetadata().getName(), pod.getStatus().getPhase());
                })));
  }

  static void awaitCount(String prefix, int n, String phase) throws InterruptedException {
    await(
        n + " instances " + prefix + "* " + phase,
        () ->
            PHASES.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && e.getValue().equals(phase))
                .count(),
        n);
  }

  static void awaitRunningPods(int n) throws InterruptedException {
    await(
        n + " pods Running",
        () -> POD_PHASES.values().stream().filter("Running"::equals).count(),
        n);
  }

  /** The operator being measured: a wait fails at once if it exits. */
  static volatile E2E.Operator current;

  /** Polls every 2 s (listing a thousand instances is not free) for up to 20 minutes. */
  static void await(String what, java.util.function.Supplier<? extends Number> count, long n)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
    long last = -1;
    while ((last = count.get().longValue()) != n) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException(what + ": " + last + " after 20 minutes");
      if (current != null && !current.process.isAlive())
        throw new IllegalStateException(
            what + ": the operator exited (lost its Lease?); see " + current.log);
      Thread.sleep(2000);
    }
  }
}
