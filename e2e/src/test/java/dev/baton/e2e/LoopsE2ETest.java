package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A foreach on the real API server, with the operator killed (SIGKILL) in the middle of it: the
 * loop completes after the restart, and no iteration's step gets a second Job.
 */
class LoopsE2ETest extends OnCluster {
  static final String NS = "e2e-loops";
  static final int DAYS = 60;

  @BeforeAll
  static void start() {
    open(NS);
  }

  @Test
  void aForeachKilledHalfwayFinishesWithNoIterationRunTwice() throws Exception {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: backfill
        spec:
          steps:
            - id: days
              type: foreach
              foreach:
                over:
                  - name: day
                    expr: dates('2024-01-01', '2024-02-29')
                concurrency: 8
              steps:
                - id: load
                  job:
                    image: busybox:1.36
                    command: [sh, -c, 'echo "$0"', '${loop.day}']
                    podTemplate:
                      metadata:
                        annotations:
                          baton.dev/fake-duration: 1s
            - id: report
              dependsOn: [days]
              type: noop
        """);
    E2E.apply(client, NS, Cluster.instanceYaml("backfill-1", "backfill"));
    try (E2E.Operator first = E2E.Operator.start("loops-1")) {
      Cluster.await(
          "a third of the iterations done",
          () -> E2E.instance(client, NS, "backfill-1"),
          i -> succeededIterations(i) >= DAYS / 3,
          Duration.ofSeconds(180));
      first.kill();
    }
    WorkflowInstance atKill = E2E.instance(client, NS, "backfill-1");
    assertThat(atKill.getStatus().phase).isEqualTo(InstancePhase.Running);
    assertThat(succeededIterations(atKill)).isLessThan(DAYS);

    try (E2E.Operator second = E2E.Operator.start("loops-2")) {
      WorkflowInstance done = E2E.awaitFinal(client, NS, "backfill-1", Duration.ofSeconds(240));
      assertThat(done.getStatus().phase)
          .as(done.getStatus().message)
          .isEqualTo(InstancePhase.Succeeded);
      var loop = done.getStatus().steps.get("days").loop;
      assertThat(loop.succeeded).isEqualTo("0-" + (DAYS - 1));
      assertThat(loop.total).isEqualTo((long) DAYS);
      assertThat(done.getStatus().rollup.progress).isEqualTo((DAYS + 1) + "/" + (DAYS + 1));

      List<Job> jobs = E2E.jobs(client, NS, "backfill-1");
      Map<String, Long> perPathAttempt =
          jobs.stream()
              .collect(
                  Collectors.groupingBy(
                      j -> E2E.stepPath(j) + "#" + j.getMetadata().getLabels().get(Labels.ATTEMPT),
                      Collectors.counting()));
      assertThat(perPathAttempt).as("one Job per iteration, all first attempts").hasSize(DAYS);
      for (int i = 0; i < DAYS; i++) {
        assertThat(perPathAttempt).containsEntry("days." + i + ".load#1", 1L);
      }
    }
  }

  private static long succeededIterations(WorkflowInstance i) {
    if (i == null || i.getStatus() == null || i.getStatus().steps == null) return 0;
    var days = i.getStatus().steps.get("days");
    if (days == null || days.loop == null || days.loop.states == null) return 0;
    return days.loop.states.getOrDefault("Succeeded", 0L);
  }
}
