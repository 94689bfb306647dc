package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Objects a user made with Baton's labels through the real operator (issue 11, forged
 * observations): a pod that claims a step's success, an instance that claims to be a child.
 */
class ForgedObservationsIntegrationTest extends OperatorOnMockServer {
  static final Duration WAIT = Duration.ofSeconds(30);

  @BeforeEach
  void everyPodHangsUnlessATestSaysOtherwise() {
    cluster.kubelet.otherwise(a -> new Behavior.Hang());
  }

  /** The running pod the fake Job controller made for a run's step "work". */
  Pod realPod(String instance) {
    return cluster.runningPod(instance, WAIT);
  }

  static void end(Pod pod, String phase, int exitCode, String message) {
    pod.getStatus().setPhase(phase);
    pod.getStatus()
        .setContainerStatuses(
            java.util.List.of(
                new ContainerStatusBuilder()
                    .withName("main")
                    .withImage("busybox")
                    .withState(
                        new ContainerStateBuilder()
                            .withNewTerminated()
                            .withExitCode(exitCode)
                            .withMessage(message)
                            .withReason(exitCode == 0 ? "Completed" : "Error")
                            .endTerminated()
                            .build())
                    .build()));
  }

  @Test
  void aPodWithAStepsLabelsButNoJobDoesNotEndTheStep() {
    cluster.apply(RunStrategyIntegrationTest.workflow("forge-pod", "{type: Parallel}"));
    cluster.apply(Cluster.instanceYaml("forge-pod-1", "forge-pod"));
    cluster.awaitStep("forge-pod-1", "work", StepState.Running, WAIT);
    Pod real = realPod("forge-pod-1");

    // A user's own pod, labelled as the step's attempt, that "succeeded" with outputs.
    Pod forged =
        client
            .pods()
            .inNamespace(Cluster.NS)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("forged-pod")
                    .withLabels(real.getMetadata().getLabels())
                    .withAnnotations(real.getMetadata().getAnnotations())
                    .endMetadata()
                    .withSpec(real.getSpec())
                    .build())
            .create();
    forged.setStatus(real.getStatus());
    end(forged, "Succeeded", 0, "{\"faked\": true}");
    client.pods().inNamespace(Cluster.NS).resource(forged).updateStatus();

    // The operator sees it and tells the instance's owner, once.
    Cluster.await(
        "an ObjectIgnored event",
        () -> client.v1().events().inNamespace(Cluster.NS).list().getItems(),
        evs ->
            evs.stream()
                .anyMatch(e ->
                    "ObjectIgnored".equals(e.getReason()) && e.getMessage().contains("forged-pod")),
        WAIT);
    assertThat(cluster.instance("forge-pod-1").getStatus().steps.get("work").state)
        .isEqualTo(StepState.Running);
    assertThat(cluster.instance("forge-pod-1").getStatus().phase).isEqualTo(InstancePhase.Running);

    // The real pod decides.
    Pod latest = client.pods().inNamespace(Cluster.NS).withName(real.getMetadata().getName()).get();
    end(latest, "Failed", 3, "real failure");
    client.pods().inNamespace(Cluster.NS).resource(latest).updateStatus();
    WorkflowInstance done = cluster.awaitFinal("forge-pod-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().steps.get("work").state).isEqualTo(StepState.Failed);
    assertThat(done.getStatus().steps.get("work").outputs).isNullOrEmpty();
    assertThat(client.v1().events().inNamespace(Cluster.NS).list().getItems())
        .filteredOn(
            e -> "ObjectIgnored".equals(e.getReason()) && e.getMessage().contains("forged-pod"))
        .hasSize(1);
  }

  @Test
  void anInstanceWithAForgedParentLabelIsQueuedLikeAnyOtherRun() {
    cluster.apply(RunStrategyIntegrationTest.workflow("forge-seq", "{type: Sequential}"));
    cluster.apply(Cluster.instanceYaml("forge-seq-1", "forge-seq"));
    cluster.awaitStep("forge-seq-1", "work", StepState.Running, WAIT);

    // Labelled as a child of the running run, with no owner reference: it must wait its turn.
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: WorkflowInstance
        metadata:
          name: forge-seq-2
          labels:
            baton.dev/parent: forge-seq-1
            baton.dev/step: work
            baton.dev/attempt: "1"
          annotations:
            baton.dev/step-path: work
        spec:
          workflow: forge-seq
        """);
    WorkflowInstance queued =
        Cluster.await(
            "forge-seq-2 Queued",
            () -> cluster.instance("forge-seq-2"),
            i -> i != null && i.getStatus() != null && i.getStatus().phase == InstancePhase.Queued,
            WAIT);
    assertThat(queued.getStatus().message).contains("forge-seq-1 is running");
    assertThat(cluster.jobs("forge-seq-2")).isEmpty();
    assertThat(cluster.instance("forge-seq-1").getStatus().phase).isEqualTo(InstancePhase.Running);

    // Its turn comes when the run ahead ends, as for any run.
    Pod first = realPod("forge-seq-1");
    end(first, "Succeeded", 0, null);
    client.pods().inNamespace(Cluster.NS).resource(first).updateStatus();
    cluster.awaitStep("forge-seq-2", "work", StepState.Running, WAIT);
    assertThat(cluster.awaitFinal("forge-seq-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void aRealChildOfASequentialWorkflowStillRunsBesideItsOtherRuns() {
    cluster.apply(RunStrategyIntegrationTest.workflow("forge-inner", "{type: Sequential}"));
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: forge-outer
        spec:
          steps:
            - id: sub
              type: subworkflow
              subworkflow: {workflow: forge-inner, mode: sync}
        """);
    cluster.apply(Cluster.instanceYaml("forge-inner-1", "forge-inner"));
    cluster.awaitStep("forge-inner-1", "work", StepState.Running, WAIT);

    cluster.apply(Cluster.instanceYaml("forge-outer-1", "forge-outer"));
    WorkflowInstance child =
        Cluster.await(
                "the child of forge-outer-1",
                () ->
                    client
                        .resources(WorkflowInstance.class)
                        .inNamespace(Cluster.NS)
                        .withLabel(Labels.PARENT, "forge-outer-1")
                        .list()
                        .getItems(),
                l -> !l.isEmpty(),
                WAIT)
            .getFirst();
    // A step of its parent's run: not queued behind forge-inner-1.
    cluster.awaitStep(child.getMetadata().getName(), "work", StepState.Running, WAIT);
    assertThat(cluster.instance("forge-inner-1").getStatus().phase)
        .isEqualTo(InstancePhase.Running);
  }
}
