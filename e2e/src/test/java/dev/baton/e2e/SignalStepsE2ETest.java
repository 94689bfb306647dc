package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signal steps and output signals on a real API server, with kubectl as a user would: a step
 * released by a Signal made with {@code kubectl create -f}, a step's output signal releasing a
 * waiting step of another run, and the lineage walked with the commands README documents.
 */
class SignalStepsE2ETest extends OnCluster {
  static final String NS = "e2e-signal-steps";
  static final Duration WAIT = Duration.ofSeconds(120);

  @BeforeAll
  static void start() throws Exception {
    open(NS);
    startOperator("signals");
  }

  static String consumer(String name, String signal) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: %s
    spec:
      params: [{name: date, default: "2026-01-01"}]
      steps:
        - id: wait
          type: signal
          signal:
            name: %s
            match: [{param: date, value: "${params.date}"}, {param: rows, op: ">", value: 10}]
            timeout: 10m
        - id: report
          dependsOn: [wait]
          job:
            image: busybox:1.36
            args: ["--rows=${steps.wait.outputs.rows}", "--from=${steps.wait.signal}"]
    """
        .formatted(name, signal);
  }

  static void awaitStep(String instance, String step, StepState state) {
    Cluster.await(
        instance + " step " + step + " " + state,
        () -> E2E.instance(client, NS, instance),
        i ->
            i != null
                && i.getStatus() != null
                && i.getStatus().steps != null
                && i.getStatus().steps.get(step) != null
                && i.getStatus().steps.get(step).state == state,
        WAIT);
  }

  static List<String> args(String instance, String step) {
    Job job =
        E2E.jobs(client, NS, instance).stream()
            .filter(j -> step.equals(E2E.stepPath(j)))
            .findFirst()
            .orElseThrow();
    return job.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs();
  }

  /** {@code kubectl create -f} of a file holding {@code yaml}. */
  static String kubectlCreate(String yaml) throws Exception {
    Path file = Files.createTempFile("signal", ".yaml");
    try {
      Files.writeString(file, yaml);
      return E2E.kubectl("create", "-n", NS, "-f", file.toString());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void aStepWaitsForASignalCreatedWithKubectlAndReadsItsParams() throws Exception {
    E2E.apply(client, NS, consumer("consume-external", "table-ready"));
    E2E.apply(client, NS, Cluster.instanceYaml("consume-external-1", "consume-external"));
    awaitStep("consume-external-1", "wait", StepState.Running);
    assertThat(E2E.jobs(client, NS, "consume-external-1")).isEmpty();

    // Too few rows: the step waits on.
    kubectlCreate(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Signal
        metadata: {name: events-small}
        spec: {name: table-ready, params: {table: events, date: "2026-01-01", rows: 3}}
        """);
    kubectlCreate(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Signal
        metadata: {name: events-2026-01-01}
        spec: {name: table-ready, params: {table: events, date: "2026-01-01", rows: 42}}
        """);

    WorkflowInstance done = E2E.awaitFinal(client, NS, "consume-external-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(args("consume-external-1", "report"))
        .containsExactly("--rows=42", "--from=events-2026-01-01");

    // From the waiting step to the signal that released it, and where that came from.
    String released =
        E2E.kubectl(
            "get",
            "workflowinstances.baton.dev",
            "consume-external-1",
            "-n",
            NS,
            "-o",
            "jsonpath={.status.steps.wait.signal.name}");
    assertThat(released).isEqualTo("events-2026-01-01");
    String source =
        E2E.kubectl(
            "get", "signals.baton.dev", released, "-n", NS, "-o", "jsonpath={.spec.source}");
    assertThat(source).as("a signal made with kubectl has no source").isEmpty();
  }

  @Test
  void aStepsOutputSignalReleasesAWaitingStepOfAnotherRun() {
    E2E.apply(client, NS, consumer("consume-made", "made-ready"));
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: produce
        spec:
          params: [{name: date, default: "2026-01-01"}]
          steps:
            - id: make
              job:
                image: busybox:1.36
                command: [sh, -c, 'echo "{\\"rows\\": 42}" > /dev/termination-log']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-message: '{"rows": 42}'
              signals:
                - name: made-ready
                  params: {date: "${params.date}", rows: "${steps.make.outputs.rows}"}
        """);
    E2E.apply(client, NS, Cluster.instanceYaml("consume-made-1", "consume-made"));
    awaitStep("consume-made-1", "wait", StepState.Running);
    E2E.apply(client, NS, Cluster.instanceYaml("produce-1", "produce"));

    WorkflowInstance produced = E2E.awaitFinal(client, NS, "produce-1", WAIT);
    WorkflowInstance consumed = E2E.awaitFinal(client, NS, "consume-made-1", WAIT);
    assertThat(produced.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(consumed.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    List<String> emitted = produced.getStatus().steps.get("make").emittedSignals;
    assertThat(emitted).hasSize(1);
    String signal = emitted.getFirst();

    // Down the chain: from the producing run to the signals it emitted, by field and by label.
    assertThat(
            E2E.kubectl(
                "get",
                "signals.baton.dev",
                "-n",
                NS,
                "--field-selector",
                "spec.source.instance=produce-1",
                "-o",
                "jsonpath={.items[*].metadata.name}"))
        .isEqualTo(signal);
    assertThat(
            E2E.kubectl(
                "get",
                "signals.baton.dev",
                "-n",
                NS,
                "-l",
                "baton.dev/instance=produce-1,baton.dev/step=make",
                "-o",
                "jsonpath={.items[*].metadata.name}"))
        .isEqualTo(signal);
    assertThat(
            E2E.kubectl(
                "get",
                "workflowinstances.baton.dev",
                "produce-1",
                "-n",
                NS,
                "-o",
                "jsonpath={.status.steps.make.emittedSignals[*]}"))
        .isEqualTo(signal);
    // Up the chain: from the released step to the signal, and from it to the step that made it.
    String released =
        E2E.kubectl(
            "get",
            "workflowinstances.baton.dev",
            "consume-made-1",
            "-n",
            NS,
            "-o",
            "jsonpath={.status.steps.wait.signal.name}");
    assertThat(released).isEqualTo(signal);
    assertThat(
            E2E.kubectl(
                "get",
                "signals.baton.dev",
                released,
                "-n",
                NS,
                "-o",
                "jsonpath={.spec.source.workflow}/{.spec.source.instance}/{.spec.source.run}/{.spec.source.stepPath}/{.spec.source.attempt}"))
        .isEqualTo("produce/produce-1/1/make/1");
    assertThat(args("consume-made-1", "report")).containsExactly("--rows=42", "--from=" + signal);
    // Exactly one Signal for the step's attempt, whatever retries of its create happened.
    assertThat(
            E2E.kubectl(
                    "get",
                    "signals.baton.dev",
                    "-n",
                    NS,
                    "-l",
                    "baton.dev/instance=produce-1",
                    "-o",
                    "name")
                .strip()
                .lines())
        .hasSize(1);
  }

  /**
   * Issue 12's chain: a step's output signal starts a run of another Workflow through its signal
   * trigger, and kubectl walks the lineage down (run, the signals it emitted, the runs they
   * started) and back up.
   */
  @Test
  void aStepsOutputSignalStartsADownstreamWorkflowAndKubectlWalksTheChain() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: load-downstream
        spec:
          params: [{name: date}]
          triggers:
            signals:
              - name: on-partition
                signals: [{name: partition-ready, match: [{param: table, value: events}]}]
                params: {date: "${signal.params.date}"}
          steps:
            - id: load
              job: {image: busybox:1.36, args: ["--date=${params.date}"]}
        """);
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: produce-upstream
        spec:
          params: [{name: date, default: "2026-02-03"}]
          steps:
            - id: make
              job: {image: busybox:1.36}
              signals:
                - name: partition-ready
                  params: {table: events, date: "${params.date}"}
        """);
    E2E.apply(client, NS, Cluster.instanceYaml("produce-upstream-1", "produce-upstream"));
    assertThat(E2E.awaitFinal(client, NS, "produce-upstream-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Succeeded);

    // Down: the producing run's signals, then the runs each started.
    String signal =
        E2E.kubectl(
            "get",
            "signals.baton.dev",
            "-n",
            NS,
            "--field-selector",
            "spec.source.instance=produce-upstream-1",
            "-o",
            "jsonpath={.items[*].metadata.name}");
    assertThat(signal).isNotBlank().doesNotContain(" ");
    String uid =
        E2E.kubectl("get", "signals.baton.dev", signal, "-n", NS, "-o", "jsonpath={.metadata.uid}");
    String started =
        Cluster.await(
            "the run signal " + signal + " started",
            () ->
                E2E.kubectl(
                    "get",
                    "workflowinstances.baton.dev",
                    "-n",
                    NS,
                    "-l",
                    "signal.baton.dev/" + uid,
                    "-o",
                    "jsonpath={.items[*].metadata.name}"),
            names -> !names.isBlank(),
            WAIT);
    assertThat(started).doesNotContain(" ");
    WorkflowInstance run = E2E.awaitFinal(client, NS, started, WAIT);
    assertThat(run.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(run.getSpec().workflow).isEqualTo("load-downstream");
    assertThat(args(started, "load")).containsExactly("--date=2026-02-03");
    assertThat(
            E2E.kubectl(
                "get",
                "workflowinstances.baton.dev",
                "-n",
                NS,
                "-l",
                "baton.dev/trigger=on-partition",
                "-o",
                "jsonpath={.items[*].metadata.name}"))
        .isEqualTo(started);

    // Up: from the started run to its signal, and from the signal to the step that emitted it.
    assertThat(
            E2E.kubectl(
                "get",
                "workflowinstances.baton.dev",
                started,
                "-n",
                NS,
                "-o",
                "jsonpath={.spec.signals[*].signal}"))
        .isEqualTo(signal);
    assertThat(
            E2E.kubectl(
                "get",
                "signals.baton.dev",
                signal,
                "-n",
                NS,
                "-o",
                "jsonpath={.spec.source.workflow}/{.spec.source.instance}/{.spec.source.stepPath}"))
        .isEqualTo("produce-upstream/produce-upstream-1/make");
  }
}
