package dev.baton.reconciler;

import static dev.baton.testing.Cluster.instanceYaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.flow.JobNames;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Subworkflow steps through the real operator: the parent's engine asks for a child instance, the
 * runtime creates it, the child runs as any instance does, and the child informer brings its
 * outcome back to the parent.
 */
class SubworkflowIntegrationTest extends OperatorOnMockServer {
  static final Duration WAIT = Duration.ofSeconds(30);

  static String workflow(String name, String body) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: %s
    spec:
    %s
    """
        .formatted(name, body.indent(2));
  }

  /**
   * A child with a typed param: "limit > 3" is a CEL error unless the string became an int. The
   * mock server lives as long as the class, so each test names its own.
   */
  static String count(String name) {
    return workflow(
        name,
        """
        params:
          - {name: limit, type: integer}
        steps:
          - id: count
            if: params.limit > 3
            job: {image: busybox, args: ["${params.limit}"]}
        """);
  }

  static String parent(String name, String child, String mode) {
    return workflow(
        name,
        """
        params:
          - {name: limit, default: "5"}
        steps:
          - id: sub
            type: subworkflow
            subworkflow:
              workflow: %s
              mode: %s
              params: {limit: "${params.limit}"}
          - id: use
            dependsOn: [sub]
            job: {image: busybox}
        """
            .formatted(child, mode));
  }

  private Optional<Condition> valid(String workflow) {
    Workflow w = cluster.workflow(workflow);
    if (w == null || w.getStatus() == null) return Optional.empty();
    return w.getStatus().conditions.stream().filter(c -> c.getType().equals("Valid")).findFirst();
  }

  private Condition awaitValid(String workflow, String status) {
    return Cluster.await(
            "Valid=" + status + " on " + workflow,
            () -> valid(workflow),
            c -> c.isPresent() && c.get().getStatus().equals(status),
            WAIT)
        .orElseThrow();
  }

  @Test
  void aSyncSubworkflowRunsTheChildAndPassesItsOutputsDownstream() {
    cluster.apply(count("count"));
    cluster.apply(
        workflow(
            "parent",
            """
            steps:
              - id: sub
                type: subworkflow
                subworkflow: {workflow: count, params: {limit: "5"}}
              - id: use
                dependsOn: [sub]
                job: {image: busybox, args: ["--rows=${steps.sub.outputs.count.rows}"]}
            """));
    String child = JobNames.of("parent-1", "sub", 1);
    cluster.kubelet.when(child, "count", 1, new Behavior.Succeed("{\"rows\": 42}"));
    cluster.apply(instanceYaml("parent-1", "parent"));

    WorkflowInstance done = cluster.awaitFinal("parent-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    var sub = done.getStatus().steps.get("sub");
    assertThat(sub.state).isEqualTo(StepState.Succeeded);
    assertThat(sub.child).isEqualTo(child);
    assertThat(sub.outputs.get("count").get("rows").intValue()).isEqualTo(42);
    Job use =
        cluster.jobs("parent-1").stream()
            .filter(j -> j.getMetadata().getLabels().get(Labels.STEP).equals("use"))
            .findFirst()
            .orElseThrow();
    assertThat(use.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs())
        .containsExactly("--rows=42");

    WorkflowInstance c = cluster.instance(child);
    assertThat(c.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(c.getStatus().params.get("limit").intValue()).isEqualTo(5);
    assertThat(c.getMetadata().getLabels())
        .containsEntry(Labels.PARENT, "parent-1")
        .containsEntry(Labels.ATTEMPT, "1");
    assertThat(c.getMetadata().getAnnotations())
        .containsEntry(Labels.DEPTH, "1")
        .containsEntry(Labels.CALL_CHAIN, "parent/count");
    assertThat(c.getMetadata().getOwnerReferences().getFirst().getUid())
        .isEqualTo(done.getMetadata().getUid());
    assertThat(cluster.jobs(child)).hasSize(1);
  }

  @Test
  void aFailingChildFailsTheParentStep() {
    cluster.apply(
        workflow(
            "breaks",
            """
            steps:
              - id: a
                retry: {userErrors: 0}
                job: {image: busybox}
            """));
    cluster.apply(
        workflow(
            "calls-breaks",
            """
            steps:
              - id: sub
                type: subworkflow
                retry: {userErrors: 0}
                subworkflow: {workflow: breaks}
              - id: after
                dependsOn: [sub]
                job: {image: busybox}
            """));
    String child = JobNames.of("calls-breaks-1", "sub", 1);
    cluster.kubelet.when(child, "a", 1, new Behavior.Fail(3, "boom"));
    cluster.apply(instanceYaml("calls-breaks-1", "calls-breaks"));

    WorkflowInstance done = cluster.awaitFinal("calls-breaks-1", WAIT);

    assertThat(cluster.instance(child).getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().steps.get("sub").state).isEqualTo(StepState.Failed);
    assertThat(done.getStatus().steps.get("sub").message).contains("boom");
    assertThat(done.getStatus().steps.get("after").state).isNotEqualTo(StepState.Succeeded);
    assertThat(cluster.jobs("calls-breaks-1")).isEmpty();
  }

  @Test
  void anAsyncSubworkflowSucceedsOnceTheChildExists() {
    cluster.apply(count("count-async"));
    cluster.apply(parent("fire", "count-async", "async"));
    String child = JobNames.of("fire-1", "sub", 1);
    cluster.kubelet.when(child, "count", 1, new Behavior.Hang());
    cluster.apply(instanceYaml("fire-1", "fire"));

    WorkflowInstance done = cluster.awaitFinal("fire-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().steps.get("use").state).isEqualTo(StepState.Succeeded);
    WorkflowInstance c = cluster.awaitStep(child, "count", StepState.Running, WAIT);
    assertThat(c.getStatus().phase).isEqualTo(InstancePhase.Running);
  }

  @Test
  void stoppingTheParentStopsARunningChild() {
    cluster.apply(count("count-stopped"));
    cluster.apply(parent("stops", "count-stopped", "sync"));
    String child = JobNames.of("stops-1", "sub", 1);
    cluster.kubelet.when(child, "count", 1, new Behavior.Hang());
    cluster.apply(instanceYaml("stops-1", "stops"));
    cluster.awaitStep(child, "count", StepState.Running, WAIT);

    Cluster.editInstance(cluster.client, "stops-1", i -> i.getSpec().stop = true);

    assertThat(cluster.awaitFinal("stops-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Stopped);
    assertThat(cluster.awaitFinal(child, WAIT).getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(cluster.instance(child).getSpec().stopRequested()).isTrue();
  }

  @Test
  void aWorkflowThatCallsItselfRunsIntoTheDepthBound() {
    cluster.apply(
        workflow(
            "forever",
            """
            steps:
              - id: again
                type: subworkflow
                retry: {userErrors: 0, platformErrors: 0}
                subworkflow: {workflow: forever}
            """));
    cluster.apply(instanceYaml("forever-1", "forever"));

    WorkflowInstance top = cluster.awaitFinal("forever-1", Duration.ofSeconds(60));

    assertThat(top.getStatus().phase).isEqualTo(InstancePhase.Failed);
    List<WorkflowInstance> all =
        cluster
            .client
            .resources(WorkflowInstance.class)
            .inNamespace(Cluster.NS)
            .list()
            .getItems()
            .stream()
            .filter(i -> i.getSpec().workflow.equals("forever"))
            .toList();
    // The top run and ten children ran; the eleventh child was refused before it started.
    assertThat(all).hasSize(12);
    WorkflowInstance deepest =
        all.stream()
            .filter(i ->
                "11"
                    .equals(
                        i.getMetadata().getAnnotations() == null
                            ? null
                            : i.getMetadata().getAnnotations().get(Labels.DEPTH)))
            .findFirst()
            .orElseThrow();
    assertThat(deepest.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(deepest.getStatus().message)
        .isEqualTo(
            "subworkflow depth 11 is over the limit of 10: "
                + String.join(" -> ", java.util.Collections.nCopies(12, "forever")));
  }

  @Test
  void anOperatorRestartedWhileAChildRunsPicksItUpWithoutASecondChild() {
    cluster.apply(
        workflow(
            "slow-child",
            """
            steps:
              - id: work
                job:
                  image: busybox
                  podTemplate:
                    metadata:
                      annotations: {baton.dev/fake-duration: 2s}
            """));
    cluster.apply(
        workflow(
            "waits",
            """
            steps:
              - id: sub
                type: subworkflow
                subworkflow: {workflow: slow-child}
            """));
    String child = JobNames.of("waits-1", "sub", 1);
    cluster.apply(instanceYaml("waits-1", "waits"));
    cluster.awaitStep(child, "work", StepState.Running, WAIT);

    cluster.stopOperator();
    cluster.startOperator();

    WorkflowInstance done = cluster.awaitFinal("waits-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().steps.get("sub").attempt).isEqualTo(1);
    assertThat(
            cluster
                .client
                .resources(WorkflowInstance.class)
                .inNamespace(Cluster.NS)
                .withLabel(Labels.PARENT, "waits-1")
                .list()
                .getItems())
        .extracting(i -> i.getMetadata().getName())
        .containsExactly(child);
    assertThat(cluster.jobs(child)).hasSize(1);
  }

  @Test
  void aRunDeeperThanTheBoundIsRejectedNamingTheChain() {
    cluster.apply(count("count-deep"));
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: WorkflowInstance
        metadata:
          name: deep
          annotations:
            baton.dev/depth: "11"
            baton.dev/call-chain: a/b/a/b/a/b/a/b/a/b/a/count-deep
        spec:
          workflow: count-deep
          params: {limit: 5}
        """);

    WorkflowInstance done = cluster.awaitFinal("deep", WAIT);

    String why =
        "subworkflow depth 11 is over the limit of 10: a -> b -> a -> b -> a -> b -> a -> b -> a -> b -> a -> count-deep";
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().message).isEqualTo(why);
    Condition valid =
        done.getStatus().conditions.stream()
            .filter(c -> c.getType().equals("Valid"))
            .findFirst()
            .orElseThrow();
    assertThat(valid.getStatus()).isEqualTo("False");
    assertThat(valid.getReason()).isEqualTo("SubworkflowTooDeep");
    assertThat(valid.getMessage()).isEqualTo(why);
    assertThat(cluster.jobs("deep")).isEmpty();
  }

  @Test
  void aWorkflowThatCallsItselfIsInvalid() {
    cluster.apply(
        workflow(
            "selfish",
            """
            steps:
              - id: first
                type: noop
              - id: again
                dependsOn: [first]
                type: subworkflow
                subworkflow: {workflow: selfish}
            """));

    Condition valid = awaitValid("selfish", "False");

    assertThat(valid.getReason()).isEqualTo("SubworkflowCycle");
    assertThat(valid.getMessage())
        .isEqualTo("step \"again\": workflow selfish calls itself: selfish -> selfish");
    assertThat(cluster.workflow("selfish").getStatus().errors).containsExactly(valid.getMessage());
  }

  @Test
  void aCycleClosedByAnotherWorkflowLaterInvalidatesBothAndReopeningItRevalidates() {
    cluster.apply(
        workflow(
            "ping",
            """
            steps:
              - id: days
                type: foreach
                foreach: {over: [{name: day, values: [1, 2]}]}
                steps:
                  - id: to-pong
                    type: subworkflow
                    subworkflow: {workflow: pong}
            """));
    // pong does not exist yet: not an error, it may be applied later.
    awaitValid("ping", "True");

    cluster.apply(
        workflow(
            "pong",
            """
            steps:
              - id: to-ping
                type: subworkflow
                subworkflow: {workflow: ping}
            """));

    assertThat(awaitValid("ping", "False").getMessage())
        .isEqualTo("step \"to-pong\": workflow ping calls itself: ping -> pong -> ping");
    assertThat(awaitValid("pong", "False").getMessage())
        .isEqualTo("step \"to-ping\": workflow pong calls itself: pong -> ping -> pong");

    cluster.client.resources(Workflow.class).inNamespace(Cluster.NS).withName("pong").delete();

    awaitValid("ping", "True");
  }
}
