package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.RestartFrom;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.flow.JobNames;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.Cloner;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Features through the real operator in combination: subworkflows inside loops, restarts from a
 * step upstream of a loop, run strategies over instances with loops. Every Job Baton creates is
 * counted by its step path and attempt.
 */
class CombinationsIntegrationTest extends CountedJobsIntegrationTest {

  static String slow(String d) {
    return "{image: busybox, podTemplate: {metadata: {annotations: {baton.dev/fake-duration: "
        + d
        + "}}}}";
  }

  static String workflow(String name, String body) {
    return SubworkflowIntegrationTest.workflow(name, body);
  }

  List<WorkflowInstance> children(String parent) {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .withLabel(Labels.PARENT, parent)
        .list()
        .getItems();
  }

  void leafy(String name) {
    cluster.apply(
        workflow(
            name,
            """
            params:
              - {name: part, type: integer}
            steps:
              - id: a
                job: {image: busybox, args: ["${params.part}"]}
              - id: b
                dependsOn: [a]
                job: {image: busybox}
            """));
  }

  static String fan(String name, String child) {
    return workflow(
        name,
        """
        steps:
          - id: parts
            type: foreach
            foreach:
              over: [{name: p, expr: "[10, 20, 30]"}]
              concurrency: 3
            steps:
              - id: sub
                type: subworkflow
                subworkflow:
                  workflow: %s
                  params: {part: "${loop.p}"}
        """
            .formatted(child));
  }

  @Test
  void aSubworkflowInAForeachRunsOneChildPerIterationAndRollsUpTheirLeaves() {
    leafy("leafy");
    cluster.apply(fan("fan", "leafy"));
    cluster.apply(Cluster.instanceYaml("fan-1", "fan"));
    WorkflowInstance done = cluster.awaitFinal("fan-1", WAIT);
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    assertThat(children("fan-1"))
        .extracting(c -> c.getMetadata().getName())
        .containsExactlyInAnyOrder(
            JobNames.of("fan-1", "parts.0.sub", 1),
            JobNames.of("fan-1", "parts.1.sub", 1),
            JobNames.of("fan-1", "parts.2.sub", 1));
    for (WorkflowInstance c : children("fan-1")) {
      assertThat(c.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
      Map<String, Integer> expected = Map.of("a#1", 1, "b#1", 1);
      assertThat(creations(c.getMetadata().getName(), 2)).isEqualTo(new TreeMap<>(expected));
    }
    assertThat(done.getStatus().rollup.total).isEqualTo(6);
    assertThat(done.getStatus().rollup.states).isEqualTo(Map.of("Succeeded", 6L));
    assertThat(done.getStatus().steps.get("parts").loop.succeeded).isEqualTo("0-2");
  }

  @Test
  void stoppingAParentStopsTheChildrenOfItsRunningIterations() {
    leafy("leafy-hang");
    cluster.apply(fan("fan-stop", "leafy-hang"));
    cluster.kubelet.otherwise(a -> a.step().equals("b") ? new Behavior.Hang() : null);
    cluster.apply(Cluster.instanceYaml("fans-1", "fan-stop"));
    Cluster.await(
        "three children with b running",
        () -> children("fans-1"),
        cs ->
            cs.size() == 3
                && cs.stream()
                    .allMatch(c ->
                        c.getStatus() != null
                            && c.getStatus().steps.get("b") != null
                            && c.getStatus().steps.get("b").state == StepState.Running),
        WAIT);
    // The parent's rollup follows its children's.
    Cluster.await(
        "the parent's rollup: 3 Succeeded, 3 Running",
        () -> cluster.instance("fans-1"),
        i -> Map.of("Succeeded", 3L, "Running", 3L).equals(i.getStatus().rollup.states),
        WAIT);

    client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .withName("fans-1")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"stop\":true}}");
    WorkflowInstance stopped = cluster.awaitFinal("fans-1", WAIT);
    assertThat(stopped.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    for (WorkflowInstance c : children("fans-1")) {
      WorkflowInstance child = cluster.awaitFinal(c.getMetadata().getName(), WAIT);
      assertThat(child.getStatus().phase)
          .as(child.getMetadata().getName())
          .isEqualTo(InstancePhase.Stopped);
      assertThat(child.getStatus().steps.get("b").state).isEqualTo(StepState.Stopped);
      Cluster.await(
          "b's Job of " + c.getMetadata().getName() + " deleted",
          () -> cluster.jobs(c.getMetadata().getName()),
          js ->
              js.stream().noneMatch(j -> "b".equals(j.getMetadata().getLabels().get(Labels.STEP))),
          WAIT);
    }
    assertThat(stopped.getStatus().steps.get("parts").state).isEqualTo(StepState.Stopped);
    // Its children's running leaves ended Stopped, though they told it so only after it ended.
    assertThat(stopped.getStatus().rollup.states).isEqualTo(Map.of("Succeeded", 3L, "Stopped", 3L));
  }

  @Test
  void restartFromAStepUpstreamOfALoopRunsTheLoopAgainWhole() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "up",
            """
            - id: prep
              job: {image: busybox}
            - id: days
              dependsOn: [prep]
              type: foreach
              foreach:
                over: [{name: n, expr: "[0, 1, 2]"}]
              steps:
                - id: work
                  job: {image: busybox}
            - id: end
              dependsOn: [days]
              job: {image: busybox}
            """));
    cluster.apply(Cluster.instanceYaml("up-1", "up"));
    assertThat(cluster.awaitFinal("up-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Succeeded);
    creations("up-1", 5);
    created.clear();

    edit("up-1", i -> i.getSpec().restart = restart(2, RestartFrom.Step, "prep"));
    WorkflowInstance run2 = awaitRun("up-1", 2, InstancePhase.Succeeded);
    assertThat(run2.getStatus().steps.get("days").loop.succeeded).isEqualTo("0-2");
    Map<String, Integer> expected =
        new TreeMap<>(
            Map.of(
                "prep#2",
                1,
                "days.0.work#1",
                1,
                "days.1.work#1",
                1,
                "days.2.work#1",
                1,
                "end#2",
                1));
    assertThat(creations("up-1", expected.size())).isEqualTo(expected);
    assertNoLateCreations("up-1", expected, Duration.ofMillis(300));
  }

  static String looping(String name, String strategy, String job) {
    return workflow(
        name,
        """
        runStrategy: {type: %s}
        steps:
          - id: days
            type: foreach
            foreach:
              over: [{name: n, expr: "[0, 1, 2, 3]"}]
              concurrency: 2
            steps:
              - id: work
                job: %s
        """
            .formatted(strategy, job));
  }

  @Test
  void lastOnlyStopsTheOlderRunsLoopIterationsAndDeletesTheirJobs() {
    cluster.apply(looping("last", "LastOnly", "{image: busybox}"));
    cluster.kubelet.otherwise(a -> a.instance().equals("last-1") ? new Behavior.Hang() : null);
    cluster.apply(Cluster.instanceYaml("last-1", "last"));
    creations("last-1", 2);
    cluster.apply(Cluster.instanceYaml("last-2", "last"));

    WorkflowInstance first = cluster.awaitFinal("last-1", WAIT);
    assertThat(first.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(first.getStatus().steps.get("days").state).isEqualTo(StepState.Stopped);
    assertThat(first.getStatus().steps.get("days").loop.active).isNullOrEmpty();
    assertThat(first.getStatus().steps.get("days").loop.succeeded).isNull();
    assertThat(first.getStatus().steps.get("days").loop.states).containsEntry("Stopped", 2L);
    Cluster.await("last-1's Jobs deleted", () -> cluster.jobs("last-1"), List::isEmpty, WAIT);
    assertThat(creations("last-1", 2))
        .isEqualTo(new TreeMap<>(Map.of("days.0.work#1", 1, "days.1.work#1", 1)));

    WorkflowInstance second = cluster.awaitFinal("last-2", WAIT);
    assertThat(second.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(creations("last-2", 4)).hasSize(4).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
  }

  @Test
  void sequentialQueuesARunBehindOneWithALoop() {
    cluster.apply(looping("seq", "Sequential", slow("150ms")));
    cluster.apply(Cluster.instanceYaml("seq-1", "seq"));
    creations("seq-1", 1);
    cluster.apply(Cluster.instanceYaml("seq-2", "seq"));
    WorkflowInstance queued = cluster.awaitPhase("seq-2", InstancePhase.Queued, WAIT);
    assertThat(queued.getStatus().message).contains("seq-1");
    assertThat(cluster.jobs("seq-2")).isEmpty();

    WorkflowInstance first = cluster.awaitFinal("seq-1", WAIT);
    assertThat(first.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(first.getStatus().steps.get("days").loop.succeeded).isEqualTo("0-3");
    WorkflowInstance second = cluster.awaitFinal("seq-2", WAIT);
    assertThat(second.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(java.time.Instant.parse(second.getStatus().startTime))
        .isAfterOrEqualTo(java.time.Instant.parse(first.getStatus().endTime));
    assertThat(creations("seq-1", 4)).hasSize(4).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    assertThat(creations("seq-2", 4)).hasSize(4).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
  }

  @Test
  void restartFromIncompleteReplacesOnlyTheFailedIterationsChildren() {
    cluster.apply(
        workflow(
            "leafy-flaky",
            """
            params:
              - {name: part, type: integer}
            steps:
              - id: a
                job: {image: busybox, args: ["${params.part}"]}
              - id: b
                dependsOn: [a]
                retry: {userErrors: 0}
                job: {image: busybox}
            """));
    cluster.apply(
        workflow(
            "fan-again",
            """
            steps:
              - id: parts
                type: foreach
                foreach:
                  over: [{name: p, expr: "[10, 20, 30]"}]
                  onIterationFailure: continue
                steps:
                  - id: sub
                    type: subworkflow
                    retry: {userErrors: 0}
                    subworkflow:
                      workflow: leafy-flaky
                      params: {part: "${loop.p}"}
            """));
    String failing = JobNames.of("fa-1", "parts.1.sub", 1);
    java.util.Set<String> failedOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
    cluster.kubelet.otherwise(a ->
        a.instance().equals(failing) && a.step().equals("b") && failedOnce.add(a.instance())
            ? new Behavior.Fail(1, "no")
            : null);
    cluster.apply(Cluster.instanceYaml("fa-1", "fan-again"));
    WorkflowInstance run1 = cluster.awaitFinal("fa-1", WAIT);
    assertThat(run1.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(run1.getStatus().steps.get("parts").loop.unsuccessful).isEqualTo("1");
    String kept =
        children("fa-1").stream()
            .filter(c -> !c.getMetadata().getName().equals(failing))
            .map(c -> c.getMetadata().getUid())
            .sorted()
            .toList()
            .toString();
    String oldUid = cluster.instance(failing).getMetadata().getUid();
    created.clear();

    edit("fa-1", i -> i.getSpec().restart = restart(2, null, null));
    WorkflowInstance run2 = awaitRun("fa-1", 2, InstancePhase.Succeeded);
    assertThat(run2.getStatus().steps.get("parts").loop.succeeded).isEqualTo("0-2");
    WorkflowInstance again = cluster.instance(failing);
    assertThat(again.getMetadata().getUid())
        .as("a new child for the rerun iteration")
        .isNotEqualTo(oldUid);
    assertThat(again.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(
            children("fa-1").stream()
                .filter(c -> !c.getMetadata().getName().equals(failing))
                .map(c -> c.getMetadata().getUid())
                .sorted()
                .toList()
                .toString())
        .isEqualTo(kept);
    assertThat(creations(failing, 2)).isEqualTo(new TreeMap<>(Map.of("a#1", 1, "b#1", 1)));
    assertThat(created.keys()).allMatch(k -> k.startsWith(failing + "/"));
  }

  @Test
  void anInstanceMadeAgainUnderItsNameIgnoresTheJobsTheEarlierOneLeft() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "same",
            """
            - id: a
              retry: {userErrors: 0}
              job: {image: busybox}
            """));
    cluster.kubelet.otherwise(
        a -> a.instance().equals("same-1") ? new Behavior.Fail(1, "no") : null);
    cluster.apply(Cluster.instanceYaml("same-1", "same"));
    assertThat(cluster.awaitFinal("same-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Failed);
    String oldUid = cluster.instance("same-1").getMetadata().getUid();
    client.resources(WorkflowInstance.class).inNamespace(Cluster.NS).withName("same-1").delete();
    Cluster.await("same-1 gone", () -> cluster.instance("same-1"), java.util.Objects::isNull, WAIT);
    // The mock server has no garbage collector: the earlier instance's Jobs stay, as they do on a
    // cluster until the collector comes to them.
    assertThat(cluster.jobs("same-1")).isNotEmpty();
    cluster.kubelet.otherwise(a -> null);
    created.clear();

    cluster.apply(Cluster.instanceYaml("same-1", "same"));
    WorkflowInstance again = cluster.awaitFinal("same-1", WAIT);
    assertThat(again.getMetadata().getUid()).isNotEqualTo(oldUid);
    assertThat(again.getStatus().phase)
        .as(again.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    // Attempt 1's name is taken by the earlier instance's Job, whose failure is not this run's:
    // attempt 2 runs, after a platform retry's backoff.
    assertThat(again.getStatus().steps.get("a").attempt).isEqualTo(2);
    assertThat(again.getStatus().steps.get("a").platformErrors).isEqualTo(1);
    assertThat(creations("same-1", 1)).isEqualTo(new TreeMap<>(Map.of("a#2", 1)));
  }

  /**
   * An instance deleted while its step runs and made again under its name before the operator has
   * finished handling the delete: JOSDK hands the delete's reconcile the new instance and then
   * forgets the name. The delete's reconcile is held here (a slow copy of the deleted instance) so
   * that the create always lands inside it. The new run must still hear of its Jobs and Pods and
   * finish; nothing of the earlier run carries over.
   */
  @Test
  void anInstanceMadeAgainWhileTheOperatorHandlesItsDeleteRunsToTheEnd() {
    Set<String> held = ConcurrentHashMap.newKeySet();
    cluster.stopOperator();
    cluster.startOperator(
        Cluster.config(),
        Clock.systemUTC(),
        josdk -> josdk.withResourceCloner(holding(held, Duration.ofMillis(1500))));
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "swap",
            """
            - id: a
              retry: {userErrors: 0, backoff: {type: fixed, delay: 100ms}}
              job: {image: busybox}
            - id: b
              dependsOn: [a]
              job: {image: busybox}
            """));
    String name = "swap-1";
    // The first instance's pod runs until its instance is gone; the second's attempts succeed.
    cluster.kubelet.when(name, "a", 1, new Behavior.Hang());
    cluster.apply(Cluster.instanceYaml(name, "swap"));
    cluster.awaitStep(name, "a", StepState.Running, WAIT);
    String oldUid = cluster.instance(name).getMetadata().getUid();
    held.add(oldUid);
    client.resources(WorkflowInstance.class).inNamespace(Cluster.NS).withName(name).delete();
    cluster.apply(Cluster.instanceYaml(name, "swap"));
    WorkflowInstance again =
        Cluster.await(
            name + " made again, final",
            () -> cluster.instance(name),
            Cluster.madeAgainAndFinal(oldUid),
            WAIT);
    assertThat(again.getStatus().phase)
        .as(again.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    // Attempt 1's Job name is held by the earlier instance's Job (no garbage collector here).
    assertThat(again.getStatus().steps.get("a").attempt).isEqualTo(2);
    assertThat(again.getStatus().steps.get("a").platformErrors).isEqualTo(1);
    assertThat(creations(name, 3)).isEqualTo(new TreeMap<>(Map.of("a#1", 1, "a#2", 1, "b#1", 1)));
  }

  /**
   * Baton's cloner (instances handed over as the informer holds them; anything else copied), but a
   * copy of an instance whose uid is in {@code held} takes {@code pause} first.
   */
  private static Cloner holding(Set<String> held, Duration pause) {
    return new Cloner() {
      @Override
      @SuppressWarnings("unchecked")
      public <R extends HasMetadata> R clone(R object) {
        if (!(object instanceof WorkflowInstance)) {
          return client.getKubernetesSerialization().clone(object);
        }
        if (held.contains(object.getMetadata().getUid())) sleep(pause.toMillis());
        return object;
      }
    };
  }
}
