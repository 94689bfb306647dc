package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kill -9 the operator in the middle of many runs, start it again, and every run completes with no
 * step run twice: one Job per step and attempt, and no second attempts.
 */
class CrashRecoveryE2ETest extends OnCluster {
  static final String NS = "e2e-crash";
  static final int RUNS = 30;

  @BeforeAll
  static void start() {
    open(NS);
  }

  @Test
  void everyRunCompletesAfterAKillWithEachStepRunOnce() throws Exception {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: crash
        spec:
          # The runs are meant to be under way together (the default, Sequential, would queue them).
          runStrategy: {type: Parallel, concurrency: 100}
          steps:
            - id: extract
              job: &step
                image: busybox:1.36
                command: [sh, -c, 'sleep 1']
                podTemplate:
                  metadata:
                    annotations:
                      baton.dev/fake-duration: 1s
            - {id: left, dependsOn: [extract], job: *step}
            - {id: right, dependsOn: [extract], job: *step}
            - {id: join, dependsOn: [left, right], job: *step}
            - {id: publish, dependsOn: [join], job: *step}
        """);
    E2E.Operator first = E2E.Operator.start("crash-1");
    for (int i = 0; i < RUNS; i++) {
      E2E.apply(client, NS, Cluster.instanceYaml("crash-" + i, "crash"));
    }
    // Kill once most runs are past their first step and none is done.
    Cluster.await(
        "runs under way",
        () ->
            IntStream.range(0, RUNS).mapToObj(i -> E2E.instance(client, NS, "crash-" + i)).toList(),
        list ->
            list.stream()
                    .filter(i ->
                        i.getStatus() != null
                            && i.getStatus().steps.get("extract") != null
                            && i.getStatus().steps.get("extract").state == StepState.Succeeded)
                    .count()
                >= RUNS / 2,
        Duration.ofSeconds(120));
    first.kill();
    long unfinished =
        IntStream.range(0, RUNS)
            .mapToObj(i -> E2E.instance(client, NS, "crash-" + i))
            .filter(i ->
                i.getStatus() == null
                    || i.getStatus().phase == null
                    || !i.getStatus().phase.isFinal())
            .count();
    assertThat(unfinished).as("runs unfinished at the kill").isGreaterThan(RUNS / 2);
    Thread.sleep(1500);

    try (E2E.Operator second = E2E.Operator.start("crash-2")) {
      for (int i = 0; i < RUNS; i++) {
        WorkflowInstance done = E2E.awaitFinal(client, NS, "crash-" + i, Duration.ofSeconds(180));
        assertThat(done.getStatus().phase)
            .as("crash-" + i + ": " + done.getStatus().message)
            .isEqualTo(InstancePhase.Succeeded);
        List<Job> jobs = E2E.jobs(client, NS, "crash-" + i);
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
            .as("Jobs of crash-" + i)
            .containsOnlyKeys("extract#1", "left#1", "right#1", "join#1", "publish#1");
      }
      assertThat(second.metrics())
          .contains("baton_steps_finished_total")
          .contains("baton_job_create_seconds");
    }
  }
}
