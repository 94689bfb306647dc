package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The retention of finished runs through the real operator on the mock server: counts, TTL, the
 * runs never deleted, and a delete the API server refuses. (The mock server has no garbage
 * collector: that the Jobs and children go with their instance is RetentionE2ETest's.)
 */
class RetentionIntegrationTest extends OperatorOnMockServer {
  static KubernetesMockServer server;
  static final Duration WAIT = Duration.ofSeconds(30);

  @BeforeEach
  void badRunsFail() {
    cluster.kubelet.otherwise(a ->
        a.instance().contains("bad") ? new Behavior.Fail(1, "bad") : new Behavior.Succeed(null));
  }

  static String workflow(String name, String retention, String strategy) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: %s
    spec:
      runStrategy: %s
      retention: %s
      steps:
        - id: work
          retry: {userErrors: 0}
          job: {image: busybox}
    """
        .formatted(name, strategy, retention);
  }

  /** Creates a run and waits for it to end, so the runs end in the order they are given. */
  WorkflowInstance runToEnd(String workflow, String name) {
    cluster.apply(Cluster.instanceYaml(name, workflow));
    return cluster.awaitFinal(name, WAIT);
  }

  List<String> instancesOf(String workflow) {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .list()
        .getItems()
        .stream()
        .filter(i -> workflow.equals(i.getSpec().workflow))
        .map(i -> i.getMetadata().getName())
        .sorted()
        .toList();
  }

  List<String> awaitInstances(String workflow, List<String> expected) {
    return Cluster.await(
        "the instances of " + workflow + " to be " + expected,
        () -> instancesOf(workflow),
        expected::equals,
        WAIT);
  }

  static String messages(List<Event> events) {
    return String.join("\n", events.stream().map(Event::getMessage).toList());
  }

  /**
   * The Events of a reason about a Workflow (the mock server keeps every test's objects until the
   * class ends).
   */
  List<Event> events(String workflow, String reason) {
    return client.v1().events().inNamespace(Cluster.NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .filter(e -> workflow.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  @Test
  void keepsTheNewestSucceededAndFailedRunsAndDeletesTheRest() {
    cluster.apply(workflow("keep", "{succeeded: 2, failed: 1}", "{type: Sequential}"));
    for (String n : List.of("keep-1", "keep-2", "keep-bad-1", "keep-3", "keep-bad-2", "keep-4")) {
      InstancePhase phase = runToEnd("keep", n).getStatus().phase;
      assertThat(phase)
          .as(n)
          .isEqualTo(n.contains("bad") ? InstancePhase.Failed : InstancePhase.Succeeded);
    }

    awaitInstances("keep", List.of("keep-3", "keep-4", "keep-bad-2"));
    Workflow wf =
        Cluster.await(
            "the Workflow's retention status",
            () -> cluster.workflow("keep"),
            w ->
                w.getStatus().retention != null
                    && Long.valueOf(3).equals(w.getStatus().retention.deleted),
            WAIT);
    assertThat(wf.getStatus().retention.error).isNull();
    assertThat(wf.getStatus().retention.lastDeletionTime).isNotNull();
    assertThat(wf.getStatus().lastSuccess.name).isEqualTo("keep-4");
    assertThat(wf.getStatus().runs).containsEntry("Succeeded", 2L).containsEntry("Failed", 1L);
    List<Event> deleted =
        Cluster.await(
            "RetentionDeleted Events naming the three",
            () -> events("keep", "RetentionDeleted"),
            l -> messages(l).contains("keep-bad-1") && messages(l).contains("keep-2"),
            WAIT);
    assertThat(deleted)
        .allSatisfy(e -> {
          assertThat(e.getInvolvedObject().getKind()).isEqualTo("Workflow");
          assertThat(e.getInvolvedObject().getName()).isEqualTo("keep");
        });
    assertThat(messages(deleted))
        .contains("keep-1 (over succeeded: 2)")
        .contains("keep-2 (over succeeded: 2)")
        .contains("keep-bad-1 (over failed: 1)");
  }

  @Test
  void aTtlDeletesARunWhenItPassesWithNothingElseHappening() {
    cluster.apply(workflow("ttl", "{ttlAfterFinished: 3s}", "{type: Sequential}"));
    WorkflowInstance done = runToEnd("ttl", "ttl-1");
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(instancesOf("ttl")).containsExactly("ttl-1");

    // No other instance changes: only the reconcile the TTL scheduled can delete it.
    awaitInstances("ttl", List.of());
    java.time.Instant deletedAt = java.time.Instant.now();
    assertThat(deletedAt)
        .isAfterOrEqualTo(java.time.Instant.parse(done.getStatus().endTime).plusSeconds(3));
    Workflow wf =
        Cluster.await(
            "retention status",
            () -> cluster.workflow("ttl"),
            w -> w.getStatus().retention != null && w.getStatus().retention.deleted != null,
            WAIT);
    assertThat(wf.getStatus().retention.lastDeleted).containsExactly("ttl-1");
    // The last success outlives its instance.
    assertThat(wf.getStatus().lastSuccess.name).isEqualTo("ttl-1");
    assertThat(wf.getStatus().lastRun.name).isEqualTo("ttl-1");
    assertThat(events("ttl", "RetentionDeleted"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains("ttl-1 (past ttlAfterFinished 3s)"));
  }

  @Test
  void aFailedRunBlockingAStrictSequentialQueueIsKeptUntilUnblocked() {
    cluster.apply(workflow("strict", "{failed: 0, succeeded: 0}", "{type: StrictSequential}"));
    assertThat(runToEnd("strict", "strict-bad-1").getStatus().phase)
        .isEqualTo(InstancePhase.Failed);
    Cluster.await(
        "blockedBy",
        () -> cluster.workflow("strict"),
        w -> "strict-bad-1".equals(w.getStatus().blockedBy),
        WAIT);
    // A reconcile of the Workflow came and went: the blocker stays.
    sleep(Duration.ofSeconds(2));
    assertThat(instancesOf("strict")).containsExactly("strict-bad-1");

    Cluster.editInstance(client, "strict-bad-1", i -> i.getSpec().unblock = true);
    awaitInstances("strict", List.of());
  }

  @Test
  void aRunWithAPendingRestartIsKept() {
    cluster.apply(workflow("again", "{failed: 0}", "{type: Parallel}"));
    cluster.kubelet.otherwise(a -> new Behavior.Hang());
    cluster.apply(Cluster.instanceYaml("again-bad-1", "again"));
    cluster.awaitStep("again-bad-1", "work", StepState.Running, WAIT);
    // Asked while it runs, so it is there when the run ends; run 3 is not the next run (2), so
    // the request stays pending (RestartPending) and the run stays Failed.
    Cluster.editInstance(
        client, "again-bad-1", i -> i.getSpec().restart = Cluster.restartRequest(3, null, null));
    failPod("again-bad-1");
    WorkflowInstance failed = cluster.awaitPhase("again-bad-1", InstancePhase.Failed, WAIT);
    assertThat(failed.getStatus().run).isIn(null, 1);
    sleep(Duration.ofSeconds(2));
    assertThat(instancesOf("again")).containsExactly("again-bad-1");

    // The request withdrawn, nothing holds it.
    Cluster.editInstance(client, "again-bad-1", i -> i.getSpec().restart = null);
    awaitInstances("again", List.of());
  }

  /** Ends the hanging pod of an instance's step as a failure (exit code 1). */
  void failPod(String instance) {
    var pod =
        Cluster.await(
                "the running pod of " + instance,
                () ->
                    client
                        .pods()
                        .inNamespace(Cluster.NS)
                        .withLabel(dev.baton.runtime.Labels.INSTANCE, instance)
                        .list()
                        .getItems(),
                l ->
                    !l.isEmpty()
                        && "Running".equals(l.getFirst().getStatus().getPhase())
                        && !l.getFirst().getStatus().getContainerStatuses().isEmpty(),
                WAIT)
            .getFirst();
    pod.getStatus()
        .getContainerStatuses()
        .getFirst()
        .setState(
            new io.fabric8.kubernetes.api.model.ContainerStateBuilder()
                .withNewTerminated()
                .withExitCode(1)
                .withReason("Error")
                .endTerminated()
                .build());
    pod.getStatus().setPhase("Failed");
    client.pods().inNamespace(Cluster.NS).resource(pod).updateStatus();
  }

  @Test
  void aSubworkflowChildIsNotARunOfItsWorkflowsRetention() {
    cluster.apply(workflow("leaf", "{succeeded: 0}", "{type: Parallel}"));
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: caller
        spec:
          retention: {succeeded: All}
          steps:
            - id: call
              type: subworkflow
              subworkflow: {workflow: leaf}
        """);
    assertThat(runToEnd("caller", "caller-1").getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    // A run of leaf made by hand is a top-level run: succeeded: 0 deletes it.
    cluster.apply(Cluster.instanceYaml("leaf-1", "leaf"));
    List<String> left =
        Cluster.await(
            "leaf-1 deleted", () -> instancesOf("leaf"), l -> !l.contains("leaf-1"), WAIT);
    // The child, Succeeded too, is its parent's: it stays.
    assertThat(left).hasSize(1).allSatisfy(n -> assertThat(n).startsWith("caller-1-"));
    sleep(Duration.ofSeconds(1));
    assertThat(instancesOf("leaf")).isEqualTo(left);
    assertThat(instancesOf("caller")).containsExactly("caller-1");
  }

  @Test
  void aRefusedDeleteIsRecordedAndBacksOffInsteadOfLooping() {
    server
        .expect()
        .delete()
        .withPath(
            "/apis/baton.dev/v1alpha1/namespaces/" + Cluster.NS + "/workflowinstances/locked-bad-1")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage("workflowinstances.baton.dev \"locked-bad-1\" is forbidden")
                .build())
        .always();
    cluster.apply(workflow("locked", "{failed: 0}", "{type: Parallel}"));
    runToEnd("locked", "locked-bad-1");

    Workflow wf =
        Cluster.await(
            "the retention error on the Workflow",
            () -> cluster.workflow("locked"),
            w -> w.getStatus().retention != null && w.getStatus().retention.error != null,
            WAIT);
    assertThat(wf.getStatus().retention.error)
        .contains("could not delete instance locked-bad-1: 403")
        .contains("is forbidden")
        .contains("tries again in 10s");
    // Other events for the Workflow (its instances changing) do not make it try again meanwhile.
    runToEnd("locked", "locked-2");
    sleep(Duration.ofSeconds(3));
    assertThat(events("locked", "RetentionFailed")).hasSize(1);
    assertThat(instancesOf("locked")).contains("locked-bad-1");
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
