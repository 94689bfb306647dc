package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.runs.RunAdmission;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Run strategies through the real operator: several instances of one Workflow, whose steps hang
 * (the test releases them by finishing their pods) or fail on cue.
 */
class RunStrategyIntegrationTest extends OperatorOnMockServer {
  static final Duration WAIT = Duration.ofSeconds(30);

  @BeforeEach
  void everyPodHangsUnlessATestSaysOtherwise() {
    // Every pod hangs unless a test says otherwise: a run ends when the test releases it.
    cluster.kubelet.otherwise(a -> new Behavior.Hang());
  }

  static String workflow(String name, String strategy) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: %s
    spec:
      runStrategy: %s
      steps:
        - id: work
          retry: {userErrors: 0}
          job: {image: busybox}
    """
        .formatted(name, strategy);
  }

  /**
   * Creates runs in this order. Creation timestamps have second resolution, so several may tie; the
   * queue then orders by name, and the names here sort in creation order.
   */
  void runs(String workflow, String... names) {
    for (String name : names) {
      cluster.apply(Cluster.instanceYaml(name, workflow));
    }
  }

  /** Ends the hanging pod of a run's step "work" with the given outcome. */
  void finish(String instance, boolean succeed) {
    var pod = cluster.runningPod(instance, WAIT);
    var cs = pod.getStatus().getContainerStatuses().getFirst();
    cs.setState(
        new io.fabric8.kubernetes.api.model.ContainerStateBuilder()
            .withNewTerminated()
            .withExitCode(succeed ? 0 : 1)
            .withReason(succeed ? "Completed" : "Error")
            .endTerminated()
            .build());
    pod.getStatus().setPhase(succeed ? "Succeeded" : "Failed");
    client.pods().inNamespace(Cluster.NS).resource(pod).updateStatus();
  }

  /** As kubectl patch --type=merge would: the operator writes statuses meanwhile. */
  void patchSpec(String instance, String spec) {
    client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .withName(instance)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + spec + "}");
  }

  WorkflowInstance awaitQueued(String name, String messagePart) {
    return Cluster.await(
        name + " Queued (" + messagePart + ")",
        () -> cluster.instance(name),
        i ->
            i != null
                && i.getStatus() != null
                && i.getStatus().phase == InstancePhase.Queued
                && i.getStatus().message != null
                && i.getStatus().message.contains(messagePart),
        WAIT);
  }

  Instant started(String name) {
    return Instant.parse(cluster.instance(name).getStatus().startTime);
  }

  @Test
  void sequentialRunsOneAtATimeInCreationOrder() {
    cluster.apply(workflow("seq", "{type: Sequential}"));
    runs("seq", "seq-1", "seq-2", "seq-3");

    cluster.awaitStep("seq-1", "work", StepState.Running, WAIT);
    awaitQueued("seq-2", "queued: seq-1 is running");
    WorkflowInstance third = awaitQueued("seq-3", "queued: 1 ahead; seq-1 is running");
    assertThat(third.getStatus().conditions)
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Queued");
          assertThat(c.getStatus()).isEqualTo("True");
        });
    assertThat(cluster.jobs("seq-2")).isEmpty();

    finish("seq-1", true);
    cluster.awaitStep("seq-2", "work", StepState.Running, WAIT);
    awaitQueued("seq-3", "queued: seq-2 is running");
    finish("seq-2", true);
    cluster.awaitStep("seq-3", "work", StepState.Running, WAIT);
    finish("seq-3", true);

    for (String n : List.of("seq-1", "seq-2", "seq-3")) {
      assertThat(cluster.awaitFinal(n, WAIT).getStatus().phase)
          .as(n)
          .isEqualTo(InstancePhase.Succeeded);
    }
    // One at a time: each started only after the one before it ended.
    assertThat(started("seq-2"))
        .isAfterOrEqualTo(Instant.parse(cluster.instance("seq-1").getStatus().endTime));
    assertThat(started("seq-3"))
        .isAfterOrEqualTo(Instant.parse(cluster.instance("seq-2").getStatus().endTime));

    Workflow wf =
        Cluster.await(
            "the workflow's aggregate",
            () -> cluster.workflow("seq"),
            w ->
                w.getStatus() != null
                    && w.getStatus().runs != null
                    && Long.valueOf(3).equals(w.getStatus().runs.get("Succeeded")),
            WAIT);
    assertThat(wf.getStatus().runs).containsOnlyKeys("Succeeded");
    assertThat(wf.getStatus().lastRun.name).isEqualTo("seq-3");
    assertThat(wf.getStatus().lastRun.phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(wf.getStatus().lastSuccess.name).isEqualTo("seq-3");
    assertThat(wf.getStatus().lastSuccess.progress).isEqualTo("1/1");
    assertThat(wf.getStatus().blockedBy).isNull();
  }

  @Test
  void deletingTheRunningInstanceLetsTheNextOneStart() {
    cluster.apply(workflow("del", "{type: Sequential}"));
    runs("del", "del-1", "del-2");
    cluster.awaitStep("del-1", "work", StepState.Running, WAIT);
    awaitQueued("del-2", "del-1 is running");

    client.resources(WorkflowInstance.class).inNamespace(Cluster.NS).withName("del-1").delete();

    cluster.awaitStep("del-2", "work", StepState.Running, WAIT);
  }

  @Test
  void theDefaultStrategyIsSequential() {
    cluster.apply(workflow("dflt", "null"));
    runs("dflt", "dflt-1", "dflt-2");
    cluster.awaitStep("dflt-1", "work", StepState.Running, WAIT);
    awaitQueued("dflt-2", "dflt-1 is running");
  }

  @Test
  void strictSequentialBlocksAfterAFailureUntilUnblocked() {
    cluster.apply(workflow("strict", "{type: StrictSequential}"));
    runs("strict", "strict-1", "strict-2", "strict-3");
    cluster.awaitStep("strict-1", "work", StepState.Running, WAIT);
    awaitQueued("strict-2", "strict-1 is running");

    finish("strict-1", false);
    assertThat(cluster.awaitFinal("strict-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Failed);
    WorkflowInstance blocked = awaitQueued("strict-2", "blocked by strict-1 (Failed)");
    assertThat(blocked.getStatus().message).contains("restart it or set its spec.unblock");
    awaitQueued("strict-3", "blocked by strict-1 (Failed)");
    Cluster.await(
        "blockedBy on the workflow",
        () -> cluster.workflow("strict"),
        w -> w.getStatus() != null && "strict-1".equals(w.getStatus().blockedBy),
        WAIT);
    assertThat(cluster.jobs("strict-2")).isEmpty();

    patchSpec("strict-1", "{\"unblock\":true}");

    cluster.awaitStep("strict-2", "work", StepState.Running, WAIT);
    awaitQueued("strict-3", "queued: strict-2 is running");
    WorkflowInstance unblocked =
        Cluster.await(
            "Unblocked condition on strict-1",
            () -> cluster.instance("strict-1"),
            i -> RunAdmission.isUnblockedRecorded(i),
            WAIT);
    assertThat(unblocked.getStatus().phase).isEqualTo(InstancePhase.Failed);
    Cluster.await(
        "blockedBy cleared",
        () -> cluster.workflow("strict"),
        w -> w.getStatus() != null && w.getStatus().blockedBy == null,
        WAIT);
    finish("strict-2", true);
    cluster.awaitStep("strict-3", "work", StepState.Running, WAIT);
  }

  @Test
  void firstOnlyDropsANewRunWhileOneIsUnfinished() {
    cluster.apply(workflow("first", "{type: FirstOnly}"));
    runs("first", "first-1");
    cluster.awaitStep("first-1", "work", StepState.Running, WAIT);
    runs("first", "first-2");

    WorkflowInstance dropped = cluster.awaitFinal("first-2", WAIT);
    assertThat(dropped.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(dropped.getStatus().message).isEqualTo("dropped: first-1 is running (FirstOnly)");
    assertThat(cluster.jobs("first-2")).isEmpty();

    finish("first-1", true);
    assertThat(cluster.awaitFinal("first-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Succeeded);
    // With nothing unfinished, a new run runs.
    runs("first", "first-3");
    cluster.awaitStep("first-3", "work", StepState.Running, WAIT);
  }

  @Test
  void lastOnlyStopsTheOlderRunsAndRunsTheNewest() {
    cluster.apply(workflow("last", "{type: LastOnly}"));
    runs("last", "last-1");
    cluster.awaitStep("last-1", "work", StepState.Running, WAIT);
    runs("last", "last-2");

    WorkflowInstance stopped = cluster.awaitFinal("last-1", WAIT);
    assertThat(stopped.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(stopped.getSpec().stop).isTrue();
    cluster.awaitStep("last-2", "work", StepState.Running, WAIT);

    // A queued older run ends Stopped without running, and the newest runs once last-2 stopped.
    runs("last", "last-3");
    assertThat(cluster.awaitFinal("last-2", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Stopped);
    cluster.awaitStep("last-3", "work", StepState.Running, WAIT);
    finish("last-3", true);
    assertThat(cluster.awaitFinal("last-3", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void parallelRunsUpToItsConcurrencyOldestFirst() {
    cluster.apply(workflow("par", "{type: Parallel, concurrency: 2}"));
    runs("par", "par-1", "par-2", "par-3");

    cluster.awaitStep("par-1", "work", StepState.Running, WAIT);
    cluster.awaitStep("par-2", "work", StepState.Running, WAIT);
    awaitQueued("par-3", "queued: 2 of 2 running (Parallel)");
    Cluster.await(
        "the workflow counts",
        () -> cluster.workflow("par"),
        w ->
            w.getStatus() != null
                && w.getStatus().runs != null
                && Long.valueOf(2).equals(w.getStatus().runs.get("Running"))
                && Long.valueOf(1).equals(w.getStatus().runs.get("Queued")),
        WAIT);

    finish("par-2", false);
    cluster.awaitStep("par-3", "work", StepState.Running, WAIT);
    finish("par-1", true);
    finish("par-3", true);
    Workflow wf =
        Cluster.await(
            "the workflow counts at the end",
            () -> cluster.workflow("par"),
            w ->
                w.getStatus().runs != null
                    && Long.valueOf(2).equals(w.getStatus().runs.get("Succeeded"))
                    && Long.valueOf(1).equals(w.getStatus().runs.get("Failed")),
            WAIT);
    assertThat(wf.getStatus().lastRun.name).isEqualTo("par-3");
    String lastEnded =
        List.of("par-1", "par-3").stream()
            .max(Comparator.comparing(n -> cluster.instance(n).getStatus().endTime))
            .orElseThrow();
    assertThat(wf.getStatus().lastSuccess.name).isEqualTo(lastEnded);
  }

  @Test
  void concurrencyZeroPausesTheWorkflowUntilRaised() {
    cluster.apply(workflow("paused", "{type: Parallel, concurrency: 0}"));
    runs("paused", "paused-1");
    awaitQueued("paused-1", "paused");
    assertThat(cluster.jobs("paused-1")).isEmpty();

    client
        .resources(Workflow.class)
        .inNamespace(Cluster.NS)
        .withName("paused")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"runStrategy\":{\"concurrency\":1}}}");
    cluster.awaitStep("paused-1", "work", StepState.Running, WAIT);
  }

  @Test
  void aQueuedRunStoppedByItsUserEndsWithoutRunning() {
    cluster.apply(workflow("qstop", "{type: Sequential}"));
    runs("qstop", "qstop-1", "qstop-2");
    cluster.awaitStep("qstop-1", "work", StepState.Running, WAIT);
    awaitQueued("qstop-2", "qstop-1 is running");

    patchSpec("qstop-2", "{\"stop\":true}");
    WorkflowInstance done = cluster.awaitFinal("qstop-2", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(done.getStatus().message).isEqualTo("stopped before it started");
    assertThat(cluster.jobs("qstop-2")).isEmpty();
  }

  /**
   * A restarted run (a pinned definition, phase Queued, as the restart action writes it) waits its
   * turn like any other, queued behind the runs already waiting, then starts from its status. The
   * status is written here by hand, before the operator starts.
   */
  @Test
  void aRestartedRunQueuesBehindTheWaitingOnesThenStarts() {
    cluster.stopOperator();
    cluster.apply(workflow("again", "{type: Sequential}"));
    runs("again", "again-1");
    var restarted =
        cluster
            .apply(
                """
                apiVersion: baton.dev/v1alpha1
                kind: WorkflowInstance
                metadata:
                  name: again-0
                spec:
                  workflow: again
                """)
            .getFirst();
    WorkflowInstance r = cluster.instance(restarted.getMetadata().getName());
    var st = new dev.baton.api.WorkflowInstanceStatus();
    st.phase = InstancePhase.Queued;
    st.run = 2;
    st.definition = dev.baton.api.Json.toTree(cluster.workflow("again").getSpec());
    st.params = java.util.Map.of();
    r.setStatus(st);
    client.resources(WorkflowInstance.class).inNamespace(Cluster.NS).resource(r).updateStatus();
    cluster.startOperator();
    cluster.kubelet.otherwise(a -> new Behavior.Hang());

    // again-0 sorts first by name and creation time, but as a restart it queues behind again-1.
    cluster.awaitStep("again-1", "work", StepState.Running, WAIT);
    WorkflowInstance queued = awaitQueued("again-0", "queued: again-1 is running");
    assertThat(queued.getStatus().definition).isNotNull();
    assertThat(cluster.jobs("again-0")).isEmpty();

    finish("again-1", true);
    cluster.awaitStep("again-0", "work", StepState.Running, WAIT);
    finish("again-0", true);
    WorkflowInstance done = cluster.awaitFinal("again-0", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().conditions)
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Queued");
          assertThat(c.getStatus()).isEqualTo("False");
        });
  }

  /** What examples/run-strategies.yaml promises: runs created together go one after another. */
  @Test
  void theExampleRunsItsInstancesOneAfterAnother() throws Exception {
    cluster.kubelet.otherwise(a -> null); // pods end as their fake-* annotations say: after 5s
    var dir = Cluster.repoRoot().resolve("examples");
    cluster.apply(java.nio.file.Files.readString(dir.resolve("run-strategies.yaml")));
    String runFile = java.nio.file.Files.readString(dir.resolve("run-strategies-run.yaml"));
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++)
      names.add(cluster.apply(runFile).getFirst().getMetadata().getName());

    Cluster.await(
        "one running, two queued",
        () -> names.stream().map(cluster::instance).toList(),
        l ->
            l.stream()
                        .filter(i ->
                            i.getStatus() != null && i.getStatus().phase == InstancePhase.Running)
                        .count()
                    == 1
                && l.stream()
                        .filter(i ->
                            i.getStatus() != null && i.getStatus().phase == InstancePhase.Queued)
                        .count()
                    == 2,
        WAIT);
    List<WorkflowInstance> done = names.stream().map(n -> cluster.awaitFinal(n, WAIT)).toList();
    assertThat(done)
        .allSatisfy(i -> assertThat(i.getStatus().phase).isEqualTo(InstancePhase.Succeeded));
    List<WorkflowInstance> byStart =
        done.stream().sorted(Comparator.comparing(i -> i.getStatus().startTime)).toList();
    for (int i = 1; i < byStart.size(); i++) {
      assertThat(byStart.get(i).getStatus().startTime)
          .isGreaterThanOrEqualTo(byStart.get(i - 1).getStatus().endTime);
    }
  }
}
