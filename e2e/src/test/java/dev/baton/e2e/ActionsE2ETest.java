package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The actions README documents, done with kubectl as a user would, against the real API server:
 * restart, skip, and the queues of run strategies with unblock.
 */
class ActionsE2ETest extends OnCluster {
  static final String NS = "e2e-actions";

  @BeforeAll
  static void start() throws Exception {
    open(NS);
    startOperator("actions");
  }

  @Test
  void restartFromIncompleteRerunsOnlyWhatFailed() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: flaky-load
        spec:
          steps:
            - id: extract
              job: {image: busybox:1.36, command: [sh, -c, 'echo extract']}
            - id: load
              dependsOn: [extract]
              retry: {userErrors: 0}
              job:
                image: busybox:1.36
                command: [sh, -c, 'echo load']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-fail-first-attempt: "4"
            - id: publish
              dependsOn: [load]
              job: {image: busybox:1.36, command: [sh, -c, 'echo publish']}
        """);
    E2E.apply(client, NS, Cluster.instanceYaml("flaky-load-1", "flaky-load"));
    WorkflowInstance failed = E2E.awaitFinal(client, NS, "flaky-load-1", Duration.ofSeconds(120));
    assertThat(failed.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(failed.getStatus().steps.get("publish").state).isEqualTo(StepState.Stopped);

    E2E.kubectl(
        "-n",
        NS,
        "patch",
        "workflowinstances.baton.dev",
        "flaky-load-1",
        "--type",
        "merge",
        "-p",
        "{\"spec\":{\"restart\":{\"run\":2}}}");

    WorkflowInstance done =
        E2E.awaitRunFinal(client, NS, "flaky-load-1", 2, Duration.ofSeconds(120));
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().history).hasSize(1);
    assertThat(done.getStatus().history.getFirst().run).isEqualTo(1);
    assertThat(done.getStatus().history.getFirst().phase).isEqualTo(InstancePhase.Failed);
    // extract succeeded in run 1 and is kept; load runs again as its next attempt.
    assertThat(jobsOf("flaky-load-1"))
        .containsExactlyInAnyOrder("extract#1", "load#1", "load#2", "publish#1");
    assertThat(E2E.kubectl("-n", NS, "get", "workflowinstances.baton.dev", "flaky-load-1"))
        .contains("Succeeded")
        .contains("3/3");
  }

  @Test
  void skippingARunningStepLetsItsDependentsGoOn() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: stuck
        spec:
          steps:
            - id: hang
              job:
                image: busybox:1.36
                command: [sh, -c, 'sleep 3600']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-duration: 1h
            - id: after
              dependsOn: [hang]
              job: {image: busybox:1.36, command: [sh, -c, 'echo after']}
        """);
    E2E.apply(client, NS, Cluster.instanceYaml("stuck-1", "stuck"));
    awaitRunning("stuck-1", "hang");

    E2E.kubectl(
        "-n",
        NS,
        "patch",
        "workflowinstances.baton.dev",
        "stuck-1",
        "--type",
        "merge",
        "-p",
        "{\"spec\":{\"skip\":[\"hang\"]}}");

    WorkflowInstance done = E2E.awaitFinal(client, NS, "stuck-1", Duration.ofSeconds(60));
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().steps.get("hang").state).isEqualTo(StepState.Skipped);
    assertThat(done.getStatus().steps.get("after").state).isEqualTo(StepState.Succeeded);
    Cluster.await(
        "the skipped step's Job deleted",
        () -> jobsOf("stuck-1"),
        jobs -> !jobs.contains("hang#1"),
        Duration.ofSeconds(60));
  }

  /**
   * {@code kubectl replace --force} of a running instance: deleted and made again under its name at
   * once, so the operator may hear of the create while it still handles the delete. The new
   * instance runs anew to its end (the earlier one's Jobs go with the garbage collector), each
   * time.
   */
  @Test
  void anInstanceReplacedWhileItRunsRunsAnewUnderItsName() throws Exception {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: replaced
        spec:
          steps:
            - id: slow
              job:
                image: busybox:1.36
                command: [sh, -c, 'sleep 3']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-duration: 3s
            - id: after
              dependsOn: [slow]
              job: {image: busybox:1.36, command: [sh, -c, 'echo after']}
        """);
    java.nio.file.Path file = java.nio.file.Files.createTempFile("replaced", ".yaml");
    java.nio.file.Files.writeString(file, Cluster.instanceYaml("replaced-1", "replaced"));
    E2E.kubectl("-n", NS, "apply", "-f", file.toString());
    for (int round = 1; round <= 3; round++) {
      WorkflowInstance running = awaitRunning("replaced-1", "slow");
      String oldUid = running.getMetadata().getUid();
      E2E.kubectl("-n", NS, "replace", "--force", "-f", file.toString());
      WorkflowInstance again =
          Cluster.await(
              "replaced-1 made again and final, round " + round,
              () -> E2E.instance(client, NS, "replaced-1"),
              Cluster.madeAgainAndFinal(oldUid),
              Duration.ofSeconds(120));
      assertThat(again.getStatus().phase)
          .as("round " + round + ": " + again.getStatus().message)
          .isEqualTo(InstancePhase.Succeeded);
      assertThat(again.getStatus().steps.get("after").state).isEqualTo(StepState.Succeeded);
      if (round < 3) E2E.kubectl("-n", NS, "replace", "--force", "-f", file.toString());
    }
  }

  @Test
  void sequentialRunsOneAtATimeInOrder() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: nightly
        spec:
          runStrategy: {type: Sequential}
          steps:
            - id: work
              job:
                image: busybox:1.36
                command: [sh, -c, 'sleep 2']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-duration: 2s
        """);
    for (int i = 1; i <= 3; i++) {
      E2E.apply(client, NS, Cluster.instanceYaml("nightly-" + i, "nightly"));
    }
    Cluster.await(
        "nightly-3 queued behind the others",
        () -> E2E.instance(client, NS, "nightly-3"),
        i -> i.getStatus() != null && i.getStatus().phase == InstancePhase.Queued,
        Duration.ofSeconds(30));
    List<WorkflowInstance> done =
        List.of(
            E2E.awaitFinal(client, NS, "nightly-1", Duration.ofSeconds(120)),
            E2E.awaitFinal(client, NS, "nightly-2", Duration.ofSeconds(120)),
            E2E.awaitFinal(client, NS, "nightly-3", Duration.ofSeconds(120)));
    for (int i = 0; i < 3; i++) {
      assertThat(done.get(i).getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    }
    for (int i = 1; i < 3; i++) {
      Instant prevEnd = Instant.parse(done.get(i - 1).getStatus().endTime);
      Instant start = Instant.parse(done.get(i).getStatus().startTime);
      assertThat(start)
          .as("nightly-" + (i + 1) + " starts after nightly-" + i + " ends")
          .isAfterOrEqualTo(prevEnd);
    }
    Cluster.await(
        "the Workflow's last run shown",
        () -> E2E.kubectl("-n", NS, "get", "workflows.baton.dev", "nightly"),
        out -> out.contains("Succeeded"),
        Duration.ofSeconds(30));
  }

  @Test
  void strictSequentialBlocksAfterAFailureUntilUnblocked() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: ledger
        spec:
          runStrategy: {type: StrictSequential}
          params:
            - name: fail
              default: "0"
          steps:
            - id: post
              retry: {userErrors: 0}
              job:
                image: busybox:1.36
                command: [sh, -c, 'exit $0', '${params.fail}']
                env:
                  - name: BATON_FAKE_EXIT_CODE
                    value: ${params.fail}
        """);
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: WorkflowInstance
        metadata:
          name: ledger-1
        spec:
          workflow: ledger
          params: {fail: "5"}
        """);
    assertThat(E2E.awaitFinal(client, NS, "ledger-1", Duration.ofSeconds(60)).getStatus().phase)
        .isEqualTo(InstancePhase.Failed);
    E2E.apply(client, NS, Cluster.instanceYaml("ledger-2", "ledger"));
    WorkflowInstance blocked =
        Cluster.await(
            "ledger-2 queued behind the failure",
            () -> E2E.instance(client, NS, "ledger-2"),
            i -> i.getStatus() != null && i.getStatus().phase == InstancePhase.Queued,
            Duration.ofSeconds(30));
    assertThat(blocked.getStatus().message).contains("ledger-1");
    Cluster.await(
        "the Workflow names its blocker",
        () ->
            client.resources(dev.baton.api.Workflow.class).inNamespace(NS).withName("ledger").get(),
        w -> w.getStatus() != null && "ledger-1".equals(w.getStatus().blockedBy),
        Duration.ofSeconds(30));

    E2E.kubectl(
        "-n",
        NS,
        "patch",
        "workflowinstances.baton.dev",
        "ledger-1",
        "--type",
        "merge",
        "-p",
        "{\"spec\":{\"unblock\":true}}");

    WorkflowInstance done = E2E.awaitFinal(client, NS, "ledger-2", Duration.ofSeconds(60));
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void lastOnlyStopsTheOlderRunAndFirstOnlyDropsTheNewOne() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: refresh
        spec:
          runStrategy: {type: LastOnly}
          steps:
            - id: work
              job:
                image: busybox:1.36
                command: [sh, -c, 'sleep 3600']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-duration: 5s
        ---
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: once
        spec:
          runStrategy: {type: FirstOnly}
          steps:
            - id: work
              job:
                image: busybox:1.36
                command: [sh, -c, 'sleep 3600']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-duration: 5s
        """);
    E2E.apply(
        client,
        NS,
        Cluster.instanceYaml("refresh-1", "refresh")
            + "---\n"
            + Cluster.instanceYaml("once-1", "once"));
    for (String name : List.of("refresh-1", "once-1")) {
      Cluster.await(
          name + " running",
          () -> E2E.instance(client, NS, name),
          i -> i.getStatus() != null && i.getStatus().phase == InstancePhase.Running,
          Duration.ofSeconds(30));
    }
    E2E.apply(
        client,
        NS,
        Cluster.instanceYaml("refresh-2", "refresh")
            + "---\n"
            + Cluster.instanceYaml("once-2", "once"));

    WorkflowInstance superseded = E2E.awaitFinal(client, NS, "refresh-1", Duration.ofSeconds(30));
    assertThat(superseded.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(E2E.awaitFinal(client, NS, "refresh-2", Duration.ofSeconds(60)).getStatus().phase)
        .isEqualTo(InstancePhase.Succeeded);

    WorkflowInstance dropped = E2E.awaitFinal(client, NS, "once-2", Duration.ofSeconds(30));
    assertThat(dropped.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(dropped.getStatus().message).contains("once-1").contains("FirstOnly");
    assertThat(jobsOf("once-2")).isEmpty();
    assertThat(E2E.awaitFinal(client, NS, "once-1", Duration.ofSeconds(60)).getStatus().phase)
        .isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void parallelRunsUpToItsConcurrencyAndQueuesTheRest() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: shards
        spec:
          runStrategy: {type: Parallel, concurrency: 2}
          steps:
            - id: work
              job:
                image: busybox:1.36
                command: [sh, -c, 'sleep 3']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-duration: 3s
        """);
    E2E.apply(
        client,
        NS,
        Cluster.instanceYaml("shards-1", "shards")
            + "---\n"
            + Cluster.instanceYaml("shards-2", "shards")
            + "---\n"
            + Cluster.instanceYaml("shards-3", "shards"));
    Cluster.await(
        "two running and one queued",
        () ->
            List.of(
                E2E.instance(client, NS, "shards-1"),
                E2E.instance(client, NS, "shards-2"),
                E2E.instance(client, NS, "shards-3")),
        list ->
            list.stream()
                        .filter(i ->
                            i.getStatus() != null && i.getStatus().phase == InstancePhase.Running)
                        .count()
                    == 2
                && list.get(2).getStatus() != null
                && list.get(2).getStatus().phase == InstancePhase.Queued,
        Duration.ofSeconds(30));
    for (String name : List.of("shards-1", "shards-2", "shards-3")) {
      assertThat(E2E.awaitFinal(client, NS, name, Duration.ofSeconds(60)).getStatus().phase)
          .isEqualTo(InstancePhase.Succeeded);
    }
    WorkflowInstance third = E2E.instance(client, NS, "shards-3");
    Instant firstEnd =
        List.of("shards-1", "shards-2").stream()
            .map(n -> Instant.parse(E2E.instance(client, NS, n).getStatus().endTime))
            .min(Instant::compareTo)
            .orElseThrow();
    assertThat(Instant.parse(third.getStatus().startTime))
        .as("shards-3 starts once a slot frees")
        .isAfterOrEqualTo(firstEnd);
  }

  /** The instance named {@code instance} once its status shows {@code step} Running. */
  private static WorkflowInstance awaitRunning(String instance, String step) {
    return Cluster.await(
        instance + ": " + step + " running",
        () -> E2E.instance(client, NS, instance),
        i ->
            i != null
                && i.getStatus() != null
                && i.getStatus().steps.get(step) != null
                && i.getStatus().steps.get(step).state == StepState.Running,
        Duration.ofSeconds(60));
  }

  private static List<String> jobsOf(String instance) {
    List<Job> jobs = E2E.jobs(client, NS, instance);
    return jobs.stream()
        .map(j -> E2E.stepPath(j) + "#" + j.getMetadata().getLabels().get(Labels.ATTEMPT))
        .collect(Collectors.toList());
  }
}
