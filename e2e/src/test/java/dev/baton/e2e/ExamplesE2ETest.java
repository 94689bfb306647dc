package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.testing.Example;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file in examples/, applied as written to the real cluster, ends as its header says. This
 * covers, through the real operator: a DAG, a failing step that succeeds on retry, a step output
 * consumed downstream, a conditional skip and a timeout.
 */
class ExamplesE2ETest extends OnCluster {
  static final String NS = "e2e-examples";

  @BeforeAll
  static void start() throws Exception {
    open(NS);
    startOperator("examples");
    for (Example e : Example.all()) {
      if (!e.isRun()) E2E.apply(client, NS, e.text());
    }
  }

  /**
   * Every Workflow of the examples is valid, including those no run file runs (a nightly schedule
   * is applied and validated; it does not fire during the test).
   */
  @org.junit.jupiter.api.Test
  void everyExampleWorkflowIsValid() {
    for (Example e : Example.all()) {
      if (e.isRun()) continue;
      for (var w : client.load(new java.io.ByteArrayInputStream(e.text().getBytes())).items()) {
        String name = w.getMetadata().getName();
        Cluster.await(
            e.name() + ": " + name + " Valid=True",
            () ->
                client.resources(dev.baton.api.Workflow.class).inNamespace(NS).withName(name).get(),
            wf ->
                wf != null
                    && wf.getStatus() != null
                    && wf.getStatus().conditions.stream()
                        .anyMatch(c -> c.getType().equals("Valid") && c.getStatus().equals("True")),
            Duration.ofSeconds(60));
      }
    }
  }

  static Stream<Example> runs() {
    return Example.all().stream().filter(Example::isRun);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runs")
  void runsToTheOutcomeItsHeaderStates(Example example) {
    List<HasMetadata> created = E2E.apply(client, NS, example.text());
    assertThat(created).hasSize(1);
    String name = Example.runOf(client, created.getFirst(), Duration.ofSeconds(60));
    WorkflowInstance done = E2E.awaitFinal(client, NS, name, Duration.ofSeconds(120));
    example.check(done);
    // The status is one atomic field (see CrdFiles): its writer's managedFields entry names it
    // alone, not each step and definition key under it.
    assertThat(done.getMetadata().getManagedFields())
        .filteredOn(f -> "status".equals(f.getSubresource()))
        .isNotEmpty()
        .allSatisfy(f ->
            assertThat(f.getFieldsV1().getAdditionalProperties())
                .as(name + ": the status fields of " + f.getManager())
                .isEqualTo(Map.of("f:status", Map.of())));
    // No step attempt has more than one Job, and no Job is beyond the attempts the status
    // records. (A timed-out or stopped attempt's Job is deleted, so fewer Jobs may remain.) A Job
    // of a loop iteration (path loop.index.step...) belongs to a loop step of the status, within
    // its iterations; the status keeps no per-iteration attempts once an iteration is done.
    var steps = done.getStatus().steps;
    List<Job> jobs = E2E.jobs(client, NS, name);
    var perStepAttempt =
        jobs.stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    j -> E2E.stepPath(j) + "#" + j.getMetadata().getLabels().get(Labels.ATTEMPT),
                    java.util.stream.Collectors.counting()));
    // And the Jobs that ran are there: a succeeded Job step's current attempt has its Job (Baton
    // deletes only the Jobs of timed-out and stopped attempts), and every succeeded iteration of a
    // succeeded loop has at least one (the examples' loops run Jobs in every iteration).
    var jobNames = jobs.stream().map(j -> j.getMetadata().getName()).toList();
    steps.forEach((id, step) -> {
      if (step.state != StepState.Succeeded) return;
      if (step.jobName != null) {
        assertThat(jobNames).as(name + ": the Job of succeeded step " + id).contains(step.jobName);
        assertThat(perStepAttempt)
            .as(name + ": Jobs by step and attempt")
            .containsKey(id + "#" + step.attempt);
      }
      if (step.loop != null) {
        for (long index : indexes(step.loop.succeeded)) {
          String prefix = id + "." + index + ".";
          assertThat(perStepAttempt.keySet())
              .as(name + ": Jobs of succeeded iteration " + id + "." + index)
              .anyMatch(key -> key.startsWith(prefix));
        }
      }
    });
    assertThat(perStepAttempt)
        .as("Jobs of " + name)
        .allSatisfy((key, count) -> {
          assertThat(count).as(key).isEqualTo(1L);
          String[] parts = key.split("#");
          String[] path = parts[0].split("\\.");
          assertThat(steps).containsKey(path[0]);
          if (path.length == 1) {
            assertThat(Integer.parseInt(parts[1])).as(key).isBetween(1, steps.get(path[0]).attempt);
          } else {
            var loop = steps.get(path[0]).loop;
            assertThat(loop).as(key + ": a loop step").isNotNull();
            if (loop.total != null)
              assertThat(Long.parseLong(path[1])).as(key).isBetween(0L, loop.total - 1);
          }
        });
  }

  /** The indexes of a loop status's ranges, such as {@code 0-4,6}; none for null. */
  static List<Long> indexes(String ranges) {
    if (ranges == null || ranges.isBlank()) return List.of();
    List<Long> all = new java.util.ArrayList<>();
    for (String range : ranges.split(",")) {
      String[] ends = range.trim().split("-");
      long from = Long.parseLong(ends[0]);
      long to = ends.length == 1 ? from : Long.parseLong(ends[1]);
      for (long i = from; i <= to; i++) all.add(i);
    }
    return all;
  }
}
