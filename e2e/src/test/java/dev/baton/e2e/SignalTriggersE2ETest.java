package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.api.Signal;
import dev.baton.api.SignalSpec;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signal triggers on the real cluster: a concurrent burst of signals starts exactly one run per
 * matching signal and none for the others; a join of two signals created with kubectl, its lineage
 * walked with kubectl; and kill -9 of the operator in the middle of a burst still starts exactly
 * one run per signal.
 */
class SignalTriggersE2ETest {
  static final String NS = "e2e-signals";
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    client = E2E.admin();
    E2E.namespace(client, NS);
  }

  @AfterAll
  static void stop() {
    client.namespaces().withName(NS).delete();
    client.close();
  }

  static String workflow(String name, String signal) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata: {name: %s}
    spec:
      runStrategy: {type: Parallel, concurrency: 300}
      params: [{name: n, type: integer}]
      steps: [{id: done, type: noop}]
      triggers:
        signals:
          - name: on-signal
            signals: [{name: %s, match: [{param: kind, value: good}]}]
            params: {n: '${signal.params.n}'}
    """
        .formatted(name, signal);
  }

  static void awaitActive(String workflow) {
    Cluster.await(
        "the triggers of " + workflow + " active",
        () ->
            client.resources(dev.baton.api.Workflow.class).inNamespace(NS).withName(workflow).get(),
        w ->
            w.getStatus() != null
                && w.getStatus().signalTriggers != null
                && !w.getStatus().signalTriggers.isEmpty()
                && w.getStatus().signalTriggers.stream().allMatch(t -> t.since != null),
        Duration.ofSeconds(60));
  }

  static Signal newSignal(String object, String name, String kind, int n) {
    Signal s = new Signal();
    s.setMetadata(new ObjectMetaBuilder().withName(object).withNamespace(NS).build());
    s.setSpec(new SignalSpec());
    s.getSpec().name = name;
    Map<String, JsonNode> params = new LinkedHashMap<>();
    params.put("kind", TextNode.valueOf(kind));
    params.put("n", IntNode.valueOf(n));
    s.getSpec().params = params;
    return s;
  }

  /** Creates the signals from 16 threads at once. */
  static List<Signal> createConcurrently(List<Signal> signals) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Signal>> created = new ArrayList<>();
      for (Signal s : signals) {
        created.add(pool.submit(() -> client.resource(s).inNamespace(NS).create()));
      }
      List<Signal> out = new ArrayList<>();
      for (Future<Signal> f : created) out.add(f.get());
      return out;
    } finally {
      pool.shutdown();
    }
  }

  static List<WorkflowInstance> runsOf(String workflow) {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(NS)
        .withLabel(Labels.TRIGGER, "on-signal")
        .list()
        .getItems()
        .stream()
        .filter(i -> workflow.equals(i.getSpec().workflow))
        .toList();
  }

  /** Every run names one signal, each good signal has exactly one run, and its status says so. */
  static void assertOneRunPerSignal(String workflow, List<Signal> good) {
    List<WorkflowInstance> runs = runsOf(workflow);
    assertThat(runs).hasSize(good.size());
    Map<String, Long> runsPerSignal =
        runs.stream()
            .collect(
                Collectors.groupingBy(
                    r -> r.getSpec().signals.getFirst().uid, Collectors.counting()));
    assertThat(runsPerSignal)
        .hasSize(good.size())
        .containsOnlyKeys(good.stream().map(s -> s.getMetadata().getUid()).toList());
    assertThat(runsPerSignal.values()).allMatch(c -> c == 1);
    for (WorkflowInstance r : runs) {
      var ref = r.getSpec().signals.getFirst();
      Signal s =
          good.stream()
              .filter(g -> g.getMetadata().getUid().equals(ref.uid))
              .findFirst()
              .orElseThrow();
      assertThat(r.getSpec().params.get("n").asInt())
          .isEqualTo(s.getSpec().params.get("n").asInt());
      assertThat(r.getMetadata().getLabels())
          .containsEntry(Labels.SIGNAL_PREFIX + ref.uid, s.getSpec().name);
    }
    for (Signal s : good) {
      Signal now =
          Cluster.await(
              "status.runs of " + s.getMetadata().getName(),
              () ->
                  client
                      .resources(Signal.class)
                      .inNamespace(NS)
                      .withName(s.getMetadata().getName())
                      .get(),
              x ->
                  x.getStatus() != null
                      && x.getStatus().runs != null
                      && !x.getStatus().runs.isEmpty(),
              Duration.ofSeconds(60));
      assertThat(now.getStatus().runs).hasSize(1);
      assertThat(now.getStatus().runs.getFirst().instance).isNotNull();
    }
  }

  @Test
  void twoHundredConcurrentSignalsStartExactlyTwoHundredRunsAndFiftyOthersNone() throws Exception {
    E2E.apply(client, NS, workflow("burst", "burst-ready"));
    try (E2E.Operator op = E2E.Operator.start("signals-burst")) {
      awaitActive("burst");
      List<Signal> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) all.add(newSignal("good-" + i, "burst-ready", "good", i));
      for (int i = 0; i < 50; i++) all.add(newSignal("bad-" + i, "burst-ready", "bad", i));
      java.util.Collections.shuffle(all);
      List<Signal> created = createConcurrently(all);
      List<Signal> good =
          created.stream().filter(s -> s.getMetadata().getName().startsWith("good-")).toList();
      Cluster.await(
          "200 runs", () -> runsOf("burst"), l -> l.size() >= 200, Duration.ofSeconds(120));
      assertOneRunPerSignal("burst", good);
      Thread.sleep(2000); // nothing more comes
      assertThat(runsOf("burst")).hasSize(200);
      for (Signal bad :
          created.stream().filter(s -> s.getMetadata().getName().startsWith("bad-")).toList()) {
        Signal now =
            client
                .resources(Signal.class)
                .inNamespace(NS)
                .withName(bad.getMetadata().getName())
                .get();
        assertThat(
                now.getStatus() == null
                    || now.getStatus().runs == null
                    || now.getStatus().runs.isEmpty())
            .as("status of " + bad.getMetadata().getName())
            .isTrue();
      }
    }
  }

  @Test
  void aJoinOfTwoSignalsCreatedWithKubectlStartsOneRunWalkedWithKubectl() throws Exception {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata: {name: join}
        spec:
          params: [{name: date}]
          steps: [{id: done, type: noop}]
          triggers:
            signals:
              - name: both-ready
                signals: [{name: table-ready}, {name: model-ready}]
                joinOn: [date]
                params: {date: '${signals["table-ready"].params.date}'}
        """);
    try (E2E.Operator op = E2E.Operator.start("signals-join")) {
      awaitActive("join");
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("signals");
      java.nio.file.Path table = dir.resolve("table.yaml");
      java.nio.file.Files.writeString(
          table,
          """
          apiVersion: baton.dev/v1alpha1
          kind: Signal
          metadata: {name: table-2026-01-01}
          spec: {name: table-ready, params: {table: events, date: "2026-01-01"}}
          ---
          apiVersion: baton.dev/v1alpha1
          kind: Signal
          metadata: {name: model-2026-01-02}
          spec: {name: model-ready, params: {date: "2026-01-02"}}
          """);
      E2E.kubectl("create", "-n", NS, "-f", table.toString());
      Thread.sleep(2000);
      assertThat(
              E2E.kubectl(
                  "get",
                  "workflowinstances.baton.dev",
                  "-n",
                  NS,
                  "-l",
                  "baton.dev/trigger=both-ready",
                  "-o",
                  "name"))
          .as("no run before both signals of one date")
          .isBlank();
      java.nio.file.Path model = dir.resolve("model.yaml");
      java.nio.file.Files.writeString(
          model,
          """
          apiVersion: baton.dev/v1alpha1
          kind: Signal
          metadata: {name: model-2026-01-01}
          spec: {name: model-ready, params: {date: "2026-01-01"}}
          """);
      E2E.kubectl("create", "-n", NS, "-f", model.toString());
      String uid =
          E2E.kubectl(
                  "get",
                  "signal.baton.dev",
                  "model-2026-01-01",
                  "-n",
                  NS,
                  "-o",
                  "jsonpath={.metadata.uid}")
              .strip();
      // Down: the runs this signal started, one kubectl command.
      String run =
          Cluster.await(
                  "the join's run",
                  () ->
                      E2E.kubectl(
                              "get",
                              "workflowinstances.baton.dev",
                              "-n",
                              NS,
                              "-l",
                              Labels.SIGNAL_PREFIX + uid,
                              "-o",
                              "name")
                          .strip(),
                  s -> !s.isEmpty(),
                  Duration.ofSeconds(60))
              .replace("workflowinstance.baton.dev/", "");
      assertThat(run).doesNotContain("\n");
      WorkflowInstance done = E2E.awaitFinal(client, NS, run, Duration.ofSeconds(60));
      assertThat(done.getSpec().params.get("date").asText()).isEqualTo("2026-01-01");
      // Up: the signals that started a run, one kubectl command.
      assertThat(
              E2E.kubectl(
                      "get",
                      "workflowinstance.baton.dev",
                      run,
                      "-n",
                      NS,
                      "-o",
                      "jsonpath={.spec.signals[*].signal}")
                  .strip())
          .isEqualTo("table-2026-01-01 model-2026-01-01");
      // And from the signal: the runs it started.
      Cluster.await(
          "the checkpoint on the signal",
          () ->
              E2E.kubectl(
                      "get",
                      "signal.baton.dev",
                      "table-2026-01-01",
                      "-n",
                      NS,
                      "-o",
                      "jsonpath={.status.runs[*].instance}")
                  .strip(),
          run::equals,
          Duration.ofSeconds(30));
      assertThat(
              E2E.kubectl(
                      "get",
                      "workflowinstances.baton.dev",
                      "-n",
                      NS,
                      "-l",
                      "baton.dev/trigger=both-ready",
                      "-o",
                      "name")
                  .strip()
                  .lines())
          .hasSize(1);
    }
  }

  @Test
  void killingTheOperatorInABurstStillStartsExactlyOneRunPerSignal() throws Exception {
    E2E.apply(client, NS, workflow("crash", "crash-ready"));
    E2E.Operator first = E2E.Operator.start("signals-crash-1");
    awaitActive("crash");
    List<Signal> all = new ArrayList<>();
    for (int i = 0; i < 150; i++) all.add(newSignal("crash-" + i, "crash-ready", "good", i));
    ExecutorService creator = Executors.newSingleThreadExecutor();
    Future<List<Signal>> created = creator.submit(() -> createConcurrently(all));
    Cluster.await(
        "runs under way", () -> runsOf("crash"), l -> l.size() >= 20, Duration.ofSeconds(60));
    first.kill();
    List<Signal> signals = created.get();
    creator.shutdown();
    assertThat(runsOf("crash").size()).as("runs at the kill").isLessThan(150);
    try (E2E.Operator second = E2E.Operator.start("signals-crash-2")) {
      Cluster.await(
          "150 runs", () -> runsOf("crash"), l -> l.size() >= 150, Duration.ofSeconds(120));
      assertOneRunPerSignal("crash", signals);
      Thread.sleep(2000);
      assertThat(runsOf("crash")).hasSize(150);
    }
  }
}
