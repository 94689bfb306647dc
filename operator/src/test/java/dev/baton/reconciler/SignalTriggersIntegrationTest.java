package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.Signal;
import dev.baton.api.SignalSpec;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.signals.TriggerRunNames;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Signal triggers through the real operator on the mock API server. */
class SignalTriggersIntegrationTest extends OperatorOnMockServer {
  static final Duration WAIT = Duration.ofSeconds(30);

  /**
   * A Workflow {@code name} with a trigger on table-ready signals and a join of table-ready and
   * model-ready on date. The mock server lives as long as the class: each test uses its own names
   * (the signal names get {@code sfx}).
   */
  static String workflow(String name, String sfx) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata: {name: NAME}
    spec:
      runStrategy: {type: Parallel, concurrency: 100}
      params: [{name: date}, {name: rows, type: integer, default: 0}]
      steps: [{id: done, type: noop}]
      triggers:
        signals:
          - name: on-table
            signals: [{name: table-ready, match: [{param: rows, op: '>', value: 0}]}]
            params: {date: '${signal.params.date}', rows: '${signal.params.rows}'}
          - name: on-both
            signals: [{name: table-ready}, {name: model-ready}]
            joinOn: [date]
            params: {date: '${signals["model-ready"].params.date}'}
    """
        .replace("NAME", name)
        .replace("table-ready", "table-ready" + sfx)
        .replace("model-ready", "model-ready" + sfx);
  }

  Signal signal(String object, String name, String paramsJson) {
    Signal s = new Signal();
    s.setMetadata(new ObjectMetaBuilder().withName(object).withNamespace(Cluster.NS).build());
    s.setSpec(new SignalSpec());
    s.getSpec().name = name;
    try {
      s.getSpec().params =
          Json.MAPPER.readValue(
              paramsJson,
              Json.MAPPER
                  .getTypeFactory()
                  .constructMapType(Map.class, String.class, JsonNode.class));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    return client.resource(s).inNamespace(Cluster.NS).create();
  }

  List<WorkflowInstance> runs(String selector) {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .withLabel(selector)
        .list()
        .getItems();
  }

  List<WorkflowInstance> runsOf(String workflow, String trigger) {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .withLabel(Labels.TRIGGER, trigger)
        .list()
        .getItems()
        .stream()
        .filter(i -> workflow.equals(i.getSpec().workflow))
        .toList();
  }

  Workflow awaitActive(String name) {
    return Cluster.await(
        "the triggers of " + name + " active",
        () -> cluster.workflow(name),
        w ->
            w.getStatus() != null
                && w.getStatus().signalTriggers != null
                && w.getStatus().signalTriggers.stream().allMatch(t -> t.since != null),
        WAIT);
  }

  Signal awaitRecorded(String object, int runs) {
    return Cluster.await(
        "status.runs of signal " + object,
        () -> client.resources(Signal.class).inNamespace(Cluster.NS).withName(object).get(),
        s ->
            s.getStatus() != null
                && s.getStatus().runs != null
                && s.getStatus().runs.size() >= runs,
        WAIT);
  }

  @Test
  void eachMatchingSignalStartsOneRunWithItsParamsAndLineage() throws Exception {
    cluster.apply(workflow("load", ""));
    awaitActive("load");
    for (int i = 0; i < 5; i++) signal("t" + i, "table-ready", "{\"rows\": 5, \"x\": " + i + "}");
    signal("zero", "table-ready", "{\"rows\": 0}");
    signal("other", "something-else", "{\"rows\": 5}");
    // t0..t4 lack a date: the trigger cannot render its params (see below); these have one.
    for (int i = 0; i < 3; i++) {
      signal("d" + i, "table-ready", "{\"rows\": 7, \"date\": \"2026-01-0" + (i + 1) + "\"}");
    }
    for (int i = 0; i < 3; i++) awaitRecorded("d" + i, 1);
    List<WorkflowInstance> runs =
        Cluster.await(
            "3 runs of on-table", () -> runsOf("load", "on-table"), l -> l.size() >= 3, WAIT);
    Thread.sleep(1000);
    assertThat(runsOf("load", "on-table")).hasSize(3);
    Signal d0 = client.resources(Signal.class).inNamespace(Cluster.NS).withName("d0").get();
    String expected =
        TriggerRunNames.instanceName("load", "on-table", List.of(d0.getMetadata().getUid()));
    WorkflowInstance run =
        runs.stream()
            .filter(r -> r.getMetadata().getName().equals(expected))
            .findFirst()
            .orElseThrow();
    assertThat(run.getSpec().params.get("date").asText()).isEqualTo("2026-01-01");
    assertThat(run.getSpec().params.get("rows").asInt()).isEqualTo(7);
    assertThat(run.getSpec().signals)
        .singleElement()
        .satisfies(ref -> {
          assertThat(ref.signal).isEqualTo("d0");
          assertThat(ref.uid).isEqualTo(d0.getMetadata().getUid());
          assertThat(ref.params).contains("\"date\":\"2026-01-01\"");
        });
    // Both directions are one label selector / one field.
    assertThat(runs(Labels.SIGNAL_PREFIX + d0.getMetadata().getUid()))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly(expected);
    assertThat(d0.getStatus().runs)
        .singleElement()
        .satisfies(r -> {
          assertThat(r.workflow).isEqualTo("load");
          assertThat(r.trigger).isEqualTo("on-table");
          assertThat(r.instance).isEqualTo(expected);
          assertThat(r.error).isNull();
        });
    cluster.awaitPhase(expected, InstancePhase.Succeeded, WAIT);

    // A signal whose params the trigger cannot map: recorded once, on the signal and the
    // Workflow, and no run.
    Signal t0 = awaitRecorded("t0", 1);
    assertThat(t0.getStatus().runs.getFirst().instance).isNull();
    assertThat(t0.getStatus().runs.getFirst().error)
        .startsWith("the params do not render: params.date");
    Workflow w =
        Cluster.await(
            "the trigger's last failure",
            () -> cluster.workflow("load"),
            x -> x.getStatus().signalTriggers.stream().anyMatch(t -> t.lastFailure != null),
            WAIT);
    assertThat(
            w.getStatus().signalTriggers.stream()
                .filter(t -> t.name.equals("on-table"))
                .findFirst()
                .orElseThrow()
                .lastFailure)
        .startsWith("trigger \"on-table\": signals table-ready t")
        .contains("params.date");
    // The non-matching ones started nothing and recorded nothing.
    assertThat(
            client
                .resources(Signal.class)
                .inNamespace(Cluster.NS)
                .withName("zero")
                .get()
                .getStatus())
        .satisfiesAnyOf(st -> assertThat(st).isNull(), st -> assertThat(st.runs).isNullOrEmpty());
  }

  @Test
  void aJoinStartsOneRunPerKeyOnceEverySignalHasArrived() throws Exception {
    cluster.apply(workflow("join", "-j"));
    awaitActive("join");
    signal("j-m1", "model-ready-j", "{\"date\": \"2026-02-01\"}");
    signal("j-m2", "model-ready-j", "{\"date\": \"2026-02-02\"}");
    Thread.sleep(1500);
    assertThat(runsOf("join", "on-both")).isEmpty();
    Signal t = signal("j-t1", "table-ready-j", "{\"date\": \"2026-02-01\", \"rows\": 0}");
    List<WorkflowInstance> runs =
        Cluster.await("the join's run", () -> runsOf("join", "on-both"), l -> !l.isEmpty(), WAIT);
    Thread.sleep(1000);
    assertThat(runsOf("join", "on-both")).hasSize(1);
    WorkflowInstance run = runs.getFirst();
    Signal m1 = client.resources(Signal.class).inNamespace(Cluster.NS).withName("j-m1").get();
    assertThat(run.getMetadata().getName())
        .isEqualTo(
            TriggerRunNames.instanceName(
                "join", "on-both", List.of(t.getMetadata().getUid(), m1.getMetadata().getUid())));
    assertThat(run.getSpec().params.get("date").asText()).isEqualTo("2026-02-01");
    assertThat(run.getMetadata().getLabels())
        .containsEntry(Labels.TRIGGER, "on-both")
        .containsKeys(
            Labels.SIGNAL_PREFIX + t.getMetadata().getUid(),
            Labels.SIGNAL_PREFIX + m1.getMetadata().getUid());
    awaitRecorded("j-m1", 1);
    Signal m2 = client.resources(Signal.class).inNamespace(Cluster.NS).withName("j-m2").get();
    assertThat(m2.getStatus() == null || m2.getStatus().runs == null).isTrue();
  }

  @Test
  void signalsOlderThanTheWorkflowStartNothing() throws Exception {
    signal("early", "table-ready-w", "{\"rows\": 5, \"date\": \"d\"}");
    Thread.sleep(1100); // creation timestamps are whole seconds
    cluster.apply(workflow("late", "-w"));
    awaitActive("late");
    signal("late", "table-ready-w", "{\"rows\": 5, \"date\": \"d\"}");
    awaitRecorded("late", 1);
    Thread.sleep(1000);
    assertThat(runsOf("late", "on-table"))
        .singleElement()
        .satisfies(r -> assertThat(r.getSpec().signals.getFirst().signal).isEqualTo("late"));
  }

  @Test
  void anInvalidTriggerMakesTheWorkflowInvalidNamingIt() {
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata: {name: bad}
        spec:
          params: [{name: date}]
          steps: [{id: done, type: noop}]
          triggers:
            signals:
              - name: on-table
                signals: [{name: table-ready}]
                params: {dat: '${signal.params.date}'}
        """);
    Workflow w =
        Cluster.await(
            "Valid=False",
            () -> cluster.workflow("bad"),
            x ->
                x.getStatus() != null
                    && Conditions.find(x.getStatus().conditions, Conditions.VALID) != null,
            WAIT);
    var valid = Conditions.find(w.getStatus().conditions, Conditions.VALID);
    assertThat(valid.getStatus()).isEqualTo("False");
    assertThat(valid.getMessage())
        .contains("trigger \"on-table\": params.dat: the workflow has no such param (it has date)")
        .contains("trigger \"on-table\": params.date: required by the workflow");
  }
}
