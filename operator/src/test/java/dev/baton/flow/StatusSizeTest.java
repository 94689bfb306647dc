package dev.baton.flow;

import static dev.baton.flow.FlowHarness.creates;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.Json;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.runtime.StatusBudget;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A foreach of 1000 items at concurrency 500 whose steps each write 4 KB of outputs: every status
 * the writer would send stays under the 1 MiB budget.
 */
class StatusSizeTest {
  static final long BUDGET = StatusBudget.DEFAULT_BYTES;
  static final String OUTPUT = "{\"blob\": \"" + "x".repeat(4000) + "\"}";

  static FlowHarness foreach(String secondStep) {
    String values =
        IntStream.range(0, 1000).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    return new FlowHarness(
        """
        stepConcurrency: 1000
        steps:
          - id: l
            type: foreach
            foreach: {concurrency: 500, over: [{name: x, values: [%s]}]}
            steps:
              - {id: w, job: {image: busybox}}
              - %s
        """
            .formatted(values, secondStep));
  }

  /** Plays the loop: every w succeeds with 4 KB of outputs, then every v; measures each status. */
  static long largestWrite(FlowHarness run, StatusBudget budget) {
    long largest = 0;
    int events = 0;
    run.start();
    for (int round = 0; round < 4 && !run.flow.phase().isFinal(); round++) {
      for (var c : creates(List.copyOf(run.all))) {
        if (run.flow.stepState(c.stepId()) != StepState.Launching) continue;
        run.launched(c.stepId(), c.attempt(), 1);
        run.succeed(c.stepId(), c.attempt(), c.stepId().endsWith(".w") ? OUTPUT : null, 1);
        // The writer coalesces; measuring after every 10th event is stricter than it needs.
        if (++events % 10 == 0) largest = Math.max(largest, written(run.flow.snapshot(), budget));
      }
      largest = Math.max(largest, written(run.flow.snapshot(), budget));
    }
    return largest;
  }

  static long written(WorkflowInstanceStatus st, StatusBudget budget) {
    StatusBudget.Fitted fitted = budget.fit(st, Json.write(st));
    assertThat(fitted.status()).as("fits").isNotNull();
    return fitted.size();
  }

  @Test
  void outputsNoExpressionReadsAreLeftOutOfIterationDetail() {
    FlowHarness run = foreach("{id: v, dependsOn: [w], job: {image: busybox}}");
    long largest = largestWrite(run, new StatusBudget(Long.MAX_VALUE));
    assertThat(largest).isLessThan(BUDGET);
    assertThat(run.flow.phase().isFinal()).isTrue();
  }

  @Test
  void outputsAnExpressionReadsAreKeptAndTheBudgetTrimsIterationDetail() {
    FlowHarness run =
        foreach(
            "{id: v, dependsOn: [w], job: {image: busybox, args: [\"${steps.w.outputs.blob}\"]}}");
    assertThat(largestWrite(run, new StatusBudget(BUDGET))).isLessThanOrEqualTo(BUDGET);
    assertThat(run.flow.phase().isFinal()).isTrue();
  }
}
