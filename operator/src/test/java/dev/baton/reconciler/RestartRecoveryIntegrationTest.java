package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two operator lifetimes on one mock server: the first is stopped in the middle of many runs, the
 * second finishes them from the statuses and Jobs it finds. No step may run twice.
 */
@EnableKubernetesMockClient(crud = true)
class RestartRecoveryIntegrationTest {
  static KubernetesClient client;
  static final int RUNS = 8;

  Cluster cluster;

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void aSecondOperatorFinishesTheRunsOfTheFirstWithEveryStepRunOnce() {
    cluster = new Cluster(client).startOperator();
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: chain
        spec:
          runStrategy: {type: Parallel, concurrency: %d}
          steps:
            - id: extract
              job: &slow
                image: busybox
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-duration: 300ms
            - id: left
              dependsOn: [extract]
              job: *slow
            - id: right
              dependsOn: [extract]
              job: *slow
            - id: join
              dependsOn: [left, right]
              job: *slow
            - id: publish
              dependsOn: [join]
              job: *slow
        """
            .formatted(RUNS));
    for (int i = 0; i < RUNS; i++) {
      cluster.apply(
          """
          apiVersion: baton.dev/v1alpha1
          kind: WorkflowInstance
          metadata:
            name: chain-%d
          spec:
            workflow: chain
          """
              .formatted(i));
    }
    // Stop the first operator once the runs are well under way, with steps still running.
    Cluster.await(
        "every run past its first step",
        () -> IntStream.range(0, RUNS).mapToObj(i -> cluster.instance("chain-" + i)).toList(),
        list ->
            list.stream()
                .allMatch(i ->
                    i.getStatus() != null
                        && i.getStatus().steps.get("extract") != null
                        && i.getStatus().steps.get("extract").state == StepState.Succeeded),
        Duration.ofSeconds(30));
    cluster.stopOperator();
    long unfinished =
        IntStream.range(0, RUNS)
            .mapToObj(i -> cluster.instance("chain-" + i))
            .filter(i -> !i.getStatus().phase.isFinal())
            .count();
    assertThat(unfinished)
        .as("runs still in progress when the first operator stopped")
        .isGreaterThan(0);

    // Steps go on finishing while no operator runs.
    sleep(Duration.ofMillis(500));
    cluster.startOperator();

    for (int i = 0; i < RUNS; i++) {
      WorkflowInstance done = cluster.awaitFinal("chain-" + i, Duration.ofSeconds(60));
      assertThat(done.getStatus().phase).as("chain-" + i).isEqualTo(InstancePhase.Succeeded);
      assertThat(done.getStatus().steps.values())
          .allSatisfy(s -> assertThat(s.attempt).isEqualTo(1));
      List<Job> jobs = cluster.jobs("chain-" + i);
      Map<String, Long> perStepAttempt =
          jobs.stream()
              .collect(
                  Collectors.groupingBy(
                      j ->
                          j.getMetadata().getLabels().get(Labels.STEP)
                              + "#"
                              + j.getMetadata().getLabels().get(Labels.ATTEMPT),
                      Collectors.counting()));
      assertThat(perStepAttempt)
          .as("Jobs of chain-" + i)
          .containsOnlyKeys("extract#1", "left#1", "right#1", "join#1", "publish#1")
          .allSatisfy((k, n) -> assertThat(n).isEqualTo(1L));
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
