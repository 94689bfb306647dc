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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signal triggers on the real cluster: a concurrent burst of signals starts exactly one run per
 * matching signal and none for the others, across a kill -9 of the operator in the middle of the
 * burst; a join of two signals created with kubectl, its lineage walked with kubectl.
 *
 * <p>One operator process serves the class (the burst test kills it and starts the next), so the
 * tests do not each pay for a JVM start and a Lease; they use workflows of their own, in any order.
 */
class SignalTriggersE2ETest extends OnCluster {
  static final String NS = "e2e-signal-triggers";

  @BeforeAll
  static void start() throws Exception {
    open(NS);
    E2E.apply(client, NS, workflow("burst", "burst-ready"));
    E2E.apply(client, NS, JOIN);
    startOperator("signals-1");
    E2E.awaitSignalTriggersActive(client, NS, "burst");
    E2E.awaitSignalTriggersActive(client, NS, "join");
  }

  static final String JOIN =
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
      """;

  static String workflow(String name, String signal) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata: {name: %s}
    spec:
      runStrategy: {type: Parallel, concurrency: 300}
      retention: {succeeded: All, failed: All}   # the default keeps 100: the test counts 200
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

  /** Creates the signals from 32 threads at once. */
  static List<Signal> createConcurrently(List<Signal> signals) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
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
    // The checkpoints: every good signal's status.runs names its one run; one list per poll.
    Map<String, Signal> byUid =
        awaitCount(
            "signals with their run recorded",
            () ->
                client.resources(Signal.class).inNamespace(NS).list().getItems().stream()
                    .filter(x -> x.getStatus() != null && x.getStatus().runs != null)
                    .filter(x -> !x.getStatus().runs.isEmpty())
                    .collect(Collectors.toMap(x -> x.getMetadata().getUid(), x -> x)),
            Map::size,
            good.size());
    assertThat(byUid).containsOnlyKeys(good.stream().map(x -> x.getMetadata().getUid()).toList());
    for (Signal now : byUid.values()) {
      assertThat(now.getStatus().runs).hasSize(1);
      assertThat(now.getStatus().runs.getFirst().instance).isNotNull();
    }
  }

  /**
   * Polls every 250 ms until {@code size} of what {@code get} returns reaches {@code n}; fails
   * naming the size last seen (a list of hundreds of objects would bury it).
   */
  static <T> T awaitCount(
      String what,
      java.util.function.Supplier<T> get,
      java.util.function.ToIntFunction<T> size,
      int n) {
    java.util.concurrent.atomic.AtomicReference<T> last =
        new java.util.concurrent.atomic.AtomicReference<>();
    try {
      org.awaitility.Awaitility.await(what)
          .atMost(Duration.ofSeconds(120))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(250))
          .pollInSameThread()
          .until(() -> {
            last.set(get.get());
            return size.applyAsInt(last.get()) >= n;
          });
      return last.get();
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "timed out waiting for "
              + n
              + " "
              + what
              + "; last seen "
              + (last.get() == null ? "nothing" : size.applyAsInt(last.get())));
    }
  }

  @Test
  void twoHundredConcurrentSignalsAcrossAKill9StartExactlyTwoHundredRunsAndFiftyOthersNone()
      throws Exception {
    List<Signal> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) all.add(newSignal("good-" + i, "burst-ready", "good", i));
    for (int i = 0; i < 50; i++) all.add(newSignal("bad-" + i, "burst-ready", "bad", i));
    java.util.Collections.shuffle(all);
    ExecutorService creator = Executors.newSingleThreadExecutor();
    Future<List<Signal>> creating = creator.submit(() -> createConcurrently(all));
    // kill -9 as soon as the operator has started its first run: mid-burst, so that some signals
    // have their run, some a run but no checkpoint yet, and some arrive while no operator runs.
    Cluster.await("a first run", () -> runsOf("burst"), l -> !l.isEmpty(), Duration.ofSeconds(60));
    operator.kill();
    int atKill = runsOf("burst").size();
    List<Signal> created = creating.get();
    creator.shutdown();
    assertThat(atKill).as("runs at the kill (the kill must fall inside the burst)").isLessThan(200);
    operator = E2E.Operator.start("signals-2");

    List<Signal> good =
        created.stream().filter(s -> s.getMetadata().getName().startsWith("good-")).toList();
    awaitCount("runs", () -> runsOf("burst"), List::size, 200);
    assertOneRunPerSignal("burst", good);
    Thread.sleep(2000); // nothing more comes
    assertThat(runsOf("burst")).hasSize(200);
    List<String> bad =
        created.stream()
            .map(s -> s.getMetadata().getName())
            .filter(n -> n.startsWith("bad-"))
            .toList();
    for (Signal now : client.resources(Signal.class).inNamespace(NS).list().getItems()) {
      if (!bad.contains(now.getMetadata().getName())) continue;
      assertThat(
              now.getStatus() == null
                  || now.getStatus().runs == null
                  || now.getStatus().runs.isEmpty())
          .as("status of " + now.getMetadata().getName())
          .isTrue();
    }
  }

  @Test
  void aJoinOfTwoSignalsCreatedWithKubectlStartsOneRunWalkedWithKubectl() throws Exception {
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
