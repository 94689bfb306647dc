package dev.baton.reconciler;

import static dev.baton.testing.Cluster.instanceYaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.Signal;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Signal steps and output signals through the real operator on the mock server: the Signal informer
 * releases waiting steps, and a step's output signals are created, once, with their lineage. The
 * mock server lives as long as the class, so each test names its own objects.
 */
class SignalStepsIntegrationTest extends OperatorOnMockServer {
  static final Duration WAIT = Duration.ofSeconds(30);

  static String workflow(String name, String body) {
    return SubworkflowIntegrationTest.workflow(name, body);
  }

  /** Waits for signal {@code type} with param date = params.date, then uses its rows. */
  static String consumer(String name, String type) {
    return workflow(
        name,
        """
        params: [{name: date, default: "2026-01-01"}]
        steps:
          - id: wait
            type: signal
            signal: {name: %s, match: [{param: date, value: "${params.date}"}], timeout: 10m}
          - id: load
            dependsOn: [wait]
            job: {image: busybox, args: ["--rows=${steps.wait.outputs.rows}", "--from=${steps.wait.signal}"]}
        """
            .formatted(type));
  }

  static String signal(String name, String type, String date, int rows) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Signal
    metadata:
      name: %s
    spec:
      name: %s
      params: {date: "%s", rows: %d}
    """
        .formatted(name, type, date, rows);
  }

  Signal signal(String name) {
    return client.resources(Signal.class).inNamespace(Cluster.NS).withName(name).get();
  }

  List<String> args(String instance, String step) {
    Job job =
        Cluster.await(
            "the Job of " + instance + "/" + step,
            () ->
                cluster.jobs(instance).stream()
                    .filter(j -> step.equals(j.getMetadata().getLabels().get(Labels.STEP)))
                    .findFirst()
                    .orElse(null),
            j -> j != null,
            WAIT);
    return job.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs();
  }

  @Test
  void aSignalCreatedLaterReleasesTheWaitingStep() {
    cluster.apply(consumer("later", "later-ready"));
    cluster.apply(instanceYaml("later-1", "later"));
    cluster.awaitStep("later-1", "wait", StepState.Running, WAIT);
    // Not this date: the step waits on.
    cluster.apply(signal("later-other", "later-ready", "2026-01-02", 1));
    cluster.apply(signal("later-sig", "later-ready", "2026-01-01", 42));

    WorkflowInstance done = cluster.awaitFinal("later-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    var wait = done.getStatus().steps.get("wait");
    assertThat(wait.signal.name).isEqualTo("later-sig");
    assertThat(wait.signal.uid).isEqualTo(signal("later-sig").getMetadata().getUid());
    assertThat(wait.outputs.get("rows").intValue()).isEqualTo(42);
    assertThat(args("later-1", "load")).containsExactly("--rows=42", "--from=later-sig");
  }

  @Test
  void aSignalThatExistsBeforeTheWaitReleasesItAtOnce() {
    cluster.apply(signal("before-sig", "before-ready", "2026-01-01", 7));
    cluster.apply(consumer("before", "before-ready"));
    cluster.apply(instanceYaml("before-1", "before"));

    WorkflowInstance done = cluster.awaitFinal("before-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().steps.get("wait").signal.name).isEqualTo("before-sig");
  }

  @Test
  void aSignalMadeWhileTheOperatorIsDownReleasesTheStepAfterItsRestart() {
    cluster.apply(consumer("down", "down-ready"));
    cluster.apply(instanceYaml("down-1", "down"));
    cluster.awaitStep("down-1", "wait", StepState.Running, WAIT);
    cluster.stopOperator();
    cluster.apply(signal("down-sig", "down-ready", "2026-01-01", 3));
    cluster.startOperator();

    WorkflowInstance done = cluster.awaitFinal("down-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().steps.get("wait").signal.name).isEqualTo("down-sig");
    assertThat(done.getStatus().steps.get("wait").attempt).isEqualTo(1);
  }

  @Test
  void aStepsOutputSignalReleasesAnotherRunsWaitingStep() {
    cluster.apply(consumer("consumer", "made-ready"));
    cluster.apply(
        workflow(
            "producer",
            """
            params: [{name: date, default: "2026-01-01"}]
            steps:
              - id: make
                job: {image: busybox}
                signals:
                  - name: made-ready
                    params: {date: "${params.date}", rows: "${steps.make.outputs.rows}"}
            """));
    cluster.apply(instanceYaml("consumer-1", "consumer"));
    cluster.awaitStep("consumer-1", "wait", StepState.Running, WAIT);
    cluster.kubelet.when("producer-1", "make", 1, new Behavior.Succeed("{\"rows\": 42}"));
    cluster.apply(instanceYaml("producer-1", "producer"));

    WorkflowInstance produced = cluster.awaitFinal("producer-1", WAIT);
    WorkflowInstance consumed = cluster.awaitFinal("consumer-1", WAIT);

    assertThat(produced.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    List<String> emitted = produced.getStatus().steps.get("make").emittedSignals;
    assertThat(emitted).hasSize(1);
    Signal s = signal(emitted.getFirst());
    assertThat(s.getSpec().name).isEqualTo("made-ready");
    assertThat(s.getSpec().params.get("rows").intValue()).isEqualTo(42);
    assertThat(s.getSpec().params.get("date").asText()).isEqualTo("2026-01-01");
    assertThat(s.getSpec().source.workflow).isEqualTo("producer");
    assertThat(s.getSpec().source.instance).isEqualTo("producer-1");
    assertThat(s.getSpec().source.run).isEqualTo(1);
    assertThat(s.getSpec().source.stepPath).isEqualTo("make");
    assertThat(s.getSpec().source.attempt).isEqualTo(1);
    assertThat(s.getMetadata().getLabels())
        .containsEntry(Labels.INSTANCE, "producer-1")
        .containsEntry(Labels.STEP, "make")
        .containsEntry(Labels.ATTEMPT, "1")
        .containsEntry(Labels.RUN, "1");
    assertThat(s.getMetadata().getOwnerReferences()).isNullOrEmpty();

    assertThat(consumed.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(consumed.getStatus().steps.get("wait").signal.name).isEqualTo(emitted.getFirst());
    assertThat(args("consumer-1", "load"))
        .containsExactly("--rows=42", "--from=" + emitted.getFirst());
  }

  @Test
  void aTimedOutWaitFailsTheRunNamingTheSelector() {
    cluster.apply(
        workflow(
            "late",
            """
            steps:
              - id: wait
                type: signal
                signal: {name: never-ready, timeout: 1s}
            """));
    cluster.apply(instanceYaml("late-1", "late"));

    WorkflowInstance done = cluster.awaitFinal("late-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().steps.get("wait").state).isEqualTo(StepState.TimedOut);
    assertThat(done.getStatus().steps.get("wait").message)
        .startsWith("no signal never-ready arrived within 1s");
  }
}
