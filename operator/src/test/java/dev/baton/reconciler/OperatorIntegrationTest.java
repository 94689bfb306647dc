package dev.baton.reconciler;

import static dev.baton.testing.Cluster.instanceYaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real operator (JOSDK, informers, engine, Job runtime, status writer) against the Fabric8 mock
 * server in CRUD mode, with {@link dev.baton.testing.FakeKubelet} playing the Job controller and
 * the kubelet.
 */
class OperatorIntegrationTest extends OperatorOnMockServer {
  static final Duration WAIT = Duration.ofSeconds(30);

  static String workflow(String name, String steps) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: %s
    spec:
      params:
        - name: date
          default: "2026-01-01"
      steps:
    %s
    """
        .formatted(name, steps.indent(4));
  }

  static final String DIAMOND =
      """
      - id: a
        job: {image: busybox, args: ["${params.date}"]}
      - id: b
        dependsOn: [a]
        job: {image: busybox}
      - id: c
        dependsOn: [a]
        job: {image: busybox}
      - id: d
        dependsOn: [b, c]
        job: {image: busybox}
      """;

  @Test
  void runsADiamondToSuccessWithOneJobPerStep() {
    cluster.apply(workflow("diamond", DIAMOND));
    cluster.apply(instanceYaml("diamond-1", "diamond"));

    WorkflowInstance done = cluster.awaitFinal("diamond-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().progress).isEqualTo("4/4");
    assertThat(done.getStatus().steps.values())
        .allSatisfy(s -> assertThat(s.state).isEqualTo(StepState.Succeeded));
    assertThat(done.getStatus().definitionHash).isNotBlank();
    List<Job> jobs = cluster.jobs("diamond-1");
    assertThat(jobs).hasSize(4);
    Job a =
        jobs.stream()
            .filter(j -> j.getMetadata().getLabels().get(Labels.STEP).equals("a"))
            .findFirst()
            .orElseThrow();
    assertThat(a.getSpec().getBackoffLimit()).isZero();
    assertThat(a.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs())
        .containsExactly("2026-01-01");
    assertThat(a.getMetadata().getOwnerReferences().getFirst().getUid())
        .isEqualTo(done.getMetadata().getUid());
    // d starts only after both b and c ended.
    var st = done.getStatus().steps;
    assertThat(st.get("d").startTime)
        .isGreaterThanOrEqualTo(st.get("b").endTime)
        .isGreaterThanOrEqualTo(st.get("c").endTime);
    // Every launch is timed, from the observation it was decided on to its Job's creation.
    var launch = cluster.metrics().registry().get("baton.step.launch").timer();
    assertThat(launch.count()).isEqualTo(4);
    assertThat(launch.max(java.util.concurrent.TimeUnit.MILLISECONDS)).isPositive();
    // And every reconcile woken by a Job or Pod event, from that event: at least one per step's
    // end that the next step or the run's end was decided on (b's and c's may share one).
    var wait = cluster.metrics().registry().get("baton.reconcile.wait").timer();
    assertThat(wait.count()).isGreaterThanOrEqualTo(3);
    assertThat(wait.max(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
  }

  @Test
  void aFailingStepFailsTheRunAndNamesTheStep() {
    cluster.apply(
        workflow(
            "fails",
            """
            - id: a
              retry: {userErrors: 0}
              job: {image: busybox}
            - id: b
              dependsOn: [a]
              job: {image: busybox}
            """));
    cluster.kubelet.when("fails-1", "a", 1, new Behavior.Fail(3, "boom"));
    cluster.apply(instanceYaml("fails-1", "fails"));

    WorkflowInstance done = cluster.awaitFinal("fails-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().message)
        .contains("step \"a\"")
        .contains("exit code 3")
        .contains("boom");
    assertThat(done.getStatus().steps.get("a").exitCode).isEqualTo(3);
    assertThat(done.getStatus().steps.get("b").state).isEqualTo(StepState.Stopped);
    assertThat(cluster.jobs("fails-1")).hasSize(1);
  }

  /**
   * The Job controller's verdict can reach the operator before the pod update it was made from: the
   * step's own non-zero exit is still a user error, not retried beyond userErrors as a platform
   * error would be.
   */
  @Test
  void aNonZeroExitIsAUserErrorThoughTheFailedJobIsSeenBeforeThePod() {
    assertFailsOnceAsAUserError(
        "late", new Behavior.FailSeenLate(3, "boom", Duration.ofMillis(1500)), 3, "boom");
  }

  /**
   * The same with no pod seen at all when the Job is seen Failed (a Pod watch that fell behind, or
   * relists): the Job's verdict waits for the pod, which tells the user's exit code.
   */
  @Test
  void aNonZeroExitIsAUserErrorThoughThePodIsSeenOnlyAfterItsFailedJob() {
    assertFailsOnceAsAUserError(
        "unseen",
        new Behavior.PodSeenLate(4, "late boom", Duration.ofMillis(2000)),
        4,
        "late boom");
  }

  /**
   * The same after an outage: the Job failed minutes before the operator hears of it (its watch
   * resumed first), and the pod comes later still. The wait for the pod counts from when the
   * operator saw the Job, not from the Job's own end.
   */
  @Test
  void aNonZeroExitIsAUserErrorThoughTheJobFailedLongBeforeTheOperatorSawIt() {
    assertFailsOnceAsAUserError(
        "outage",
        new Behavior.PodSeenLate(5, "boom before", Duration.ofMillis(2000), Duration.ofMinutes(5)),
        5,
        "boom before");
  }

  /**
   * A one-step workflow {@code name} with no user retries, whose first attempt's pod does {@code
   * pod}: its run fails on that attempt with the pod's exit code, and no platform retry ran.
   */
  private void assertFailsOnceAsAUserError(
      String name, Behavior pod, int exitCode, String message) {
    cluster.apply(
        workflow(
            name,
            """
            - id: a
              retry: {userErrors: 0, platformErrors: 3, backoff: {type: fixed, delay: 100ms}}
              job: {image: busybox}
            """));
    String instance = name + "-1";
    cluster.kubelet.when(instance, "a", 1, pod);
    cluster.apply(instanceYaml(instance, name));

    WorkflowInstance done = cluster.awaitFinal(instance, WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    var a = done.getStatus().steps.get("a");
    assertThat(a.attempt).isEqualTo(1);
    assertThat(a.exitCode).isEqualTo(exitCode);
    assertThat(a.platformErrors).isNull();
    assertThat(done.getStatus().message).contains("exit code " + exitCode).contains(message);
    assertThat(cluster.jobs(instance)).hasSize(1);
  }

  @Test
  void retriesAfterBackoffThenSucceeds() {
    cluster.apply(
        workflow(
            "retry",
            """
            - id: flaky
              retry: {userErrors: 2, backoff: {type: fixed, delay: 1s}}
              job: {image: busybox}
            """));
    cluster.kubelet.when("retry-1", "flaky", 1, new Behavior.Fail(1, "transient"));
    cluster.apply(instanceYaml("retry-1", "retry"));

    WorkflowInstance done = cluster.awaitFinal("retry-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    var flaky = done.getStatus().steps.get("flaky");
    assertThat(flaky.attempt).isEqualTo(2);
    assertThat(flaky.userErrors).isEqualTo(1);
    assertThat(cluster.jobs("retry-1"))
        .extracting(j -> j.getMetadata().getLabels().get(Labels.ATTEMPT))
        .containsExactlyInAnyOrder("1", "2");
  }

  @Test
  void aPlatformFailureUsesThePlatformBudget() {
    cluster.apply(
        workflow(
            "evicted",
            """
            - id: a
              retry: {userErrors: 0, platformErrors: 1, backoff: {type: fixed, delay: 100ms}}
              job: {image: busybox}
            """));
    cluster.kubelet.when("evicted-1", "a", 1, new Behavior.Evict());
    cluster.apply(instanceYaml("evicted-1", "evicted"));

    WorkflowInstance done = cluster.awaitFinal("evicted-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().steps.get("a").platformErrors).isEqualTo(1);
  }

  /**
   * A running step's pod deleted by hand ({@code kubectl delete pod}), whose program traps SIGTERM
   * and exits 1: not the step's failure but the deletion's, so a platform retry, though no user
   * error is allowed.
   */
  @Test
  void aStepThatExitsOneWhenItsPodIsDeletedIsRetriedAsAPlatformError() {
    cluster.apply(
        workflow(
            "trapping",
            """
            - id: a
              retry: {userErrors: 0, platformErrors: 1, backoff: {type: fixed, delay: 100ms}}
              job: {image: busybox}
            """));
    cluster.kubelet.when("trapping-1", "a", 1, new Behavior.Hang());
    cluster.apply(instanceYaml("trapping-1", "trapping"));
    Pod running = cluster.runningPod("trapping-1", WAIT);
    cluster.awaitStep("trapping-1", "a", StepState.Running, WAIT);

    cluster.kubelet.deleteRunningPod(running, Duration.ofSeconds(30), 1);

    WorkflowInstance done = cluster.awaitFinal("trapping-1", WAIT);
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    var a = done.getStatus().steps.get("a");
    assertThat(a.attempt).isEqualTo(2);
    assertThat(a.platformErrors).isEqualTo(1);
    assertThat(a.userErrors).isNull();
  }

  @Test
  void aStepPastItsTimeoutIsKilledAndTimesOut() {
    cluster.apply(
        workflow(
            "slow",
            """
            - id: slow
              timeout: 1s
              job: {image: busybox}
            """));
    cluster.kubelet.when("slow-1", "slow", 1, new Behavior.Hang());
    cluster.apply(instanceYaml("slow-1", "slow"));

    WorkflowInstance done = cluster.awaitFinal("slow-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().steps.get("slow").state).isEqualTo(StepState.TimedOut);
    assertThat(done.getStatus().steps.get("slow").message).contains("timeout of 1s");
    Cluster.await("the timed-out Job deleted", () -> cluster.jobs("slow-1"), List::isEmpty, WAIT);
  }

  @Test
  void skipsAStepWhoseConditionIsFalseAndPassesOutputsDownstream() {
    cluster.apply(
        workflow(
            "branch",
            """
            - id: count
              job: {image: busybox}
            - id: load
              dependsOn: [count]
              if: steps.count.outputs.rows > 0
              job: {image: busybox, args: ["--rows=${steps.count.outputs.rows}"]}
            - id: alert
              dependsOn: [count]
              if: steps.count.outputs.rows == 0
              job: {image: busybox}
            - id: report
              dependsOn: [load, alert]
              job: {image: busybox}
            """));
    cluster.kubelet.when("branch-1", "count", 1, new Behavior.Succeed("{\"rows\": 42}"));
    cluster.apply(instanceYaml("branch-1", "branch"));

    WorkflowInstance done = cluster.awaitFinal("branch-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    var steps = done.getStatus().steps;
    assertThat(steps.get("count").outputs.get("rows").asInt()).isEqualTo(42);
    assertThat(steps.get("load").state).isEqualTo(StepState.Succeeded);
    assertThat(steps.get("alert").state).isEqualTo(StepState.Skipped);
    assertThat(steps.get("report").state).isEqualTo(StepState.Succeeded);
    Job load =
        cluster.jobs("branch-1").stream()
            .filter(j -> j.getMetadata().getLabels().get(Labels.STEP).equals("load"))
            .findFirst()
            .orElseThrow();
    assertThat(load.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs())
        .containsExactly("--rows=42");
  }

  @Test
  void malformedOutputFailsTheStepWithAClearMessage() {
    cluster.apply(
        workflow(
            "badout",
            """
            - id: a
              retry: {userErrors: 0}
              job: {image: busybox}
            """));
    cluster.kubelet.when("badout-1", "a", 1, new Behavior.Succeed("rows=5"));
    cluster.apply(instanceYaml("badout-1", "badout"));

    WorkflowInstance done = cluster.awaitFinal("badout-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().steps.get("a").message)
        .contains("termination message is not JSON")
        .contains("rows=5");
  }

  @Test
  void stopDeletesRunningJobsAndEndsStopped() {
    cluster.apply(
        workflow(
            "long",
            """
            - id: a
              job: {image: busybox}
            - id: b
              dependsOn: [a]
              job: {image: busybox}
            """));
    cluster.kubelet.when("long-1", "a", 1, new Behavior.Hang());
    cluster.apply(instanceYaml("long-1", "long"));
    cluster.awaitStep("long-1", "a", StepState.Running, WAIT);

    Cluster.editInstance(client, "long-1", i -> i.getSpec().stop = true);

    WorkflowInstance done = cluster.awaitFinal("long-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(done.getStatus().steps.get("a").state).isEqualTo(StepState.Stopped);
    assertThat(done.getStatus().steps.get("b").state).isEqualTo(StepState.Stopped);
    Cluster.await("the running Job deleted", () -> cluster.jobs("long-1"), List::isEmpty, WAIT);
  }

  @Test
  void anInvalidWorkflowIsReportedAndItsInstancesFailAtOnce() {
    cluster.apply(
        workflow(
            "broken",
            """
            - id: a
              dependsOn: [c]
              job: {image: busybox}
            - id: b
              dependsOn: [a]
              job: {image: busybox}
            - id: c
              dependsOn: [b]
              if: "steps.b.outputs.x >"
              job: {image: busybox}
            """));
    var wf =
        Cluster.await(
            "Valid condition",
            () -> cluster.workflow("broken"),
            w -> w.getStatus() != null && !w.getStatus().conditions.isEmpty(),
            WAIT);
    var valid = wf.getStatus().conditions.getFirst();
    assertThat(valid.getType()).isEqualTo("Valid");
    assertThat(valid.getStatus()).isEqualTo("False");
    assertThat(valid.getMessage())
        .contains("cycle")
        .contains("does not compile")
        .contains("step \"c\"");

    cluster.apply(instanceYaml("broken-1", "broken"));
    WorkflowInstance done = cluster.awaitFinal("broken-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().message)
        .contains("workflow \"broken\" is invalid")
        .contains("cycle");
    assertThat(cluster.jobs("broken-1")).isEmpty();
  }

  @Test
  void wrongRunParamsFailTheInstanceWithTheParamNamed() {
    cluster.apply(
        workflow(
            "typed",
            """
            - id: a
              job: {image: busybox}
            """));
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: WorkflowInstance
        metadata:
          name: typed-1
        spec:
          workflow: typed
          params:
            date: 20260101
            extra: 1
        """);
    WorkflowInstance done = cluster.awaitFinal("typed-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().message)
        .contains("spec.params.date")
        .contains("not of type string")
        .contains("spec.params.extra");
  }

  @Test
  void editingTheWorkflowDoesNotChangeARunningInstance() {
    cluster.apply(
        workflow(
            "pinned",
            """
            - id: a
              job: {image: busybox}
            - id: b
              dependsOn: [a]
              job: {image: busybox}
            """));
    cluster.kubelet.when("pinned-1", "a", 1, new Behavior.Hang());
    cluster.apply(instanceYaml("pinned-1", "pinned"));
    cluster.awaitStep("pinned-1", "a", StepState.Running, WAIT);

    client
        .resources(dev.baton.api.Workflow.class)
        .inNamespace(Cluster.NS)
        .withName("pinned")
        .delete();
    // a finishes only now, after its Workflow is gone.
    Job a = cluster.jobs("pinned-1").getFirst();
    cluster.kubelet.when("pinned-1", "a", 1, new Behavior.Succeed(null));
    var pod =
        client
            .pods()
            .inNamespace(Cluster.NS)
            .withLabel("job-name", a.getMetadata().getName())
            .list()
            .getItems()
            .getFirst();
    pod.getStatus().setPhase("Succeeded");
    client.pods().inNamespace(Cluster.NS).resource(pod).updateStatus();

    WorkflowInstance done = cluster.awaitFinal("pinned-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().steps).containsOnlyKeys("a", "b");
  }
}
