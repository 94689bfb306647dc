package dev.baton.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.baton.api.Signal;
import dev.baton.api.SignalSpec;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Signal-to-run-start latency on a real cluster (run by e2e/signal-bench.sh), measured by an
 * independent watcher: this process, not the operator, timestamps watch events as they arrive. For
 * each Signal it takes three times: the Signal's ADDED event (the signal "sent"), the first event
 * of the WorkflowInstance whose {@code signal.baton.dev/<uid>} label names it (the run created),
 * and the first event of that run's first step pod (the run started). It reports p50 and p99 of
 * sent to created and sent to started, for signals sent one at a time (each after the previous run
 * ended) and for bursts of concurrent signals created from 32 threads. The Workflow has one Job
 * step (busybox, a kwok pod on the local cluster) and runs every signal's run at once (Parallel).
 */
public final class SignalBenchmark {
  static final String NS = "signal-bench";
  static final String SIGNAL = "bench-ready";

  /** args: [samples one at a time (20)] [concurrent signals (100)] [bursts (1)] */
  public static void main(String[] args) throws Exception {
    int single = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int concurrent = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int bursts = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    try (KubernetesClient client = E2E.admin()) {
      E2E.removeNamespace(client, NS);
      E2E.namespace(client, NS);
      E2E.apply(client, NS, WORKFLOW);
      try (E2E.Operator operator = E2E.Operator.start("signal-bench");
          SignalWatcher w = new SignalWatcher(client)) {
        E2E.awaitSignalTriggersActive(client, NS, "signal-bench");
        int n = 0;
        for (int i = 0; i < 5; i++) sendAndAwait(client, w, List.of(signal("warm-" + n++)));
        List<String> ones = new ArrayList<>();
        for (int i = 0; i < single; i++) {
          ones.addAll(sendAndAwait(client, w, List.of(signal("one-" + n++))));
        }
        List<String> burst = new ArrayList<>();
        for (int b = 0; b < bursts; b++) {
          List<Signal> signals = new ArrayList<>();
          for (int i = 0; i < concurrent; i++) signals.add(signal("burst-" + n++));
          burst.addAll(sendAndAwait(client, w, signals));
        }
        System.out.printf(
            "Signal-to-run latency, independent watcher (watch events: Signal ADDED -> its"
                + " WorkflowInstance first seen -> its step pod first seen), a one-Job-step Workflow:%n");
        w.report("1 signal at a time", ones);
        w.report(concurrent + " concurrent signals x " + bursts, burst);
      }
    } finally {
      try (KubernetesClient client = E2E.admin()) {
        E2E.removeNamespace(client, NS);
      }
    }
  }

  static final String WORKFLOW =
      """
      apiVersion: baton.dev/v1alpha1
      kind: Workflow
      metadata: {name: signal-bench}
      spec:
        runStrategy: {type: Parallel, concurrency: 10000}
        retention: {succeeded: All, failed: All}   # the default keeps 100: the runs are more
        params: [{name: n, type: integer}]
        steps:
          - id: work
            job: {image: busybox:1.36, command: [sh, -c, 'true']}
        triggers:
          signals:
            - name: on-signal
              signals: [{name: bench-ready}]
              params: {n: '${signal.params.n}'}
      """;

  static Signal signal(String object) {
    Signal s = new Signal();
    s.setMetadata(new ObjectMetaBuilder().withName(object).withNamespace(NS).build());
    s.setSpec(new SignalSpec());
    s.getSpec().name = SIGNAL;
    s.getSpec().params = Map.<String, JsonNode>of("n", IntNode.valueOf(object.hashCode()));
    return s;
  }

  /** Creates the signals from up to 32 threads, waits until their runs end; returns their uids. */
  static List<String> sendAndAwait(KubernetesClient client, SignalWatcher w, List<Signal> signals)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(32, signals.size()));
    List<String> uids = new ArrayList<>();
    try {
      List<Future<Signal>> created = new ArrayList<>();
      for (Signal s : signals)
        created.add(pool.submit(() -> client.resource(s).inNamespace(NS).create()));
      for (Future<Signal> f : created) uids.add(f.get().getMetadata().getUid());
    } finally {
      pool.shutdown();
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (!uids.stream().allMatch(w::ended)) {
      if (System.nanoTime() > deadline) {
        long done = uids.stream().filter(w::ended).count();
        throw new IllegalStateException(done + " of " + uids.size() + " runs ended in 5 minutes");
      }
      Thread.sleep(50);
    }
    return uids;
  }

  /** The three watches: Signals, the runs triggers started, and their step pods. */
  static final class SignalWatcher implements AutoCloseable {
    final Map<String, Long> signalSeen = new ConcurrentHashMap<>();
    final Map<String, Long> runSeen = new ConcurrentHashMap<>();
    final Map<String, String> runOf = new ConcurrentHashMap<>();
    final Map<String, Long> podSeen = new ConcurrentHashMap<>();
    final Map<String, String> ended = new ConcurrentHashMap<>();
    private final List<Watch> watches = new ArrayList<>();

    SignalWatcher(KubernetesClient client) {
      watches.add(
          client
              .resources(Signal.class)
              .inNamespace(NS)
              .watch(
                  E2E.watcher((action, s) -> {
                    signalSeen.putIfAbsent(s.getMetadata().getUid(), System.nanoTime());
                  })));
      watches.add(
          client
              .resources(WorkflowInstance.class)
              .inNamespace(NS)
              .withLabel(Labels.TRIGGER)
              .watch(
                  E2E.watcher((action, wi) -> {
                    long now = System.nanoTime();
                    String name = wi.getMetadata().getName();
                    for (String k : wi.getMetadata().getLabels().keySet()) {
                      if (!k.startsWith(Labels.SIGNAL_PREFIX)) continue;
                      String uid = k.substring(Labels.SIGNAL_PREFIX.length());
                      runSeen.putIfAbsent(uid, now);
                      runOf.putIfAbsent(uid, name);
                    }
                    var st = wi.getStatus();
                    if (st != null && st.phase != null && st.phase.isFinal())
                      ended.putIfAbsent(name, st.phase.name());
                  })));
      watches.add(
          client
              .pods()
              .inNamespace(NS)
              .withLabel(Labels.INSTANCE)
              .watch(
                  E2E.watcher((action, pod) -> {
                    podSeen.putIfAbsent(
                        pod.getMetadata().getLabels().get(Labels.INSTANCE), System.nanoTime());
                  })));
    }

    /** Whether the run of the signal {@code uid} has ended; throws if it did not succeed. */
    boolean ended(String uid) {
      String run = runOf.get(uid);
      if (run == null) return false;
      String phase = ended.get(run);
      if (phase == null) return false;
      if (!phase.equals("Succeeded")) throw new IllegalStateException(run + " ended " + phase);
      return true;
    }

    void report(String what, List<String> uids) {
      long[] toRun = new long[uids.size()];
      long[] toPod = new long[uids.size()];
      for (int i = 0; i < uids.size(); i++) {
        String uid = uids.get(i);
        long sent = signalSeen.get(uid);
        toRun[i] = runSeen.get(uid) - sent;
        toPod[i] = podSeen.get(runOf.get(uid)) - sent;
      }
      java.util.Arrays.sort(toRun);
      java.util.Arrays.sort(toPod);
      System.out.printf(
          "  %s (%d signals): to run created p50 %.0f ms, p99 %.0f ms; to first step pod p50 %.0f"
              + " ms, p99 %.0f ms%n",
          what,
          uids.size(),
          ClusterBenchmark.pct(toRun, 50) / 1e6,
          ClusterBenchmark.pct(toRun, 99) / 1e6,
          ClusterBenchmark.pct(toPod, 50) / 1e6,
          ClusterBenchmark.pct(toPod, 99) / 1e6);
    }

    @Override
    public void close() {
      watches.forEach(Watch::close);
    }
  }
}
