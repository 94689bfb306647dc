package dev.baton.flow;

import static dev.baton.flow.FlowHarness.created;
import static dev.baton.flow.FlowHarness.creates;
import static dev.baton.flow.FlowHarness.timers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.Specs;
import dev.baton.flow.Command.CreateJob;
import dev.baton.flow.TimerKey.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An expression that would take the operator's heap fails only its own step, for good, naming the
 * step and the limit; the run around it and other runs go on as usual.
 */
class ExpressionLimitsFlowTest {
  /** 60,000 characters: under the params limit, and 24 GB once doubled 100,000 times. */
  static final String BIG = "a".repeat(60_000);

  static final String CONDITION =
      "dates('2000-01-01', params.to).map(d, params.big + params.big).size() > 0";

  static final CompiledWorkflow WF =
      Specs.compile(
          """
          params: [{name: big}, {name: to}]
          steps:
            - {id: extract, job: {image: busybox}}
            - id: load
              retry: {userErrors: 5, platformErrors: 5}
              if: "%s"
              job: {image: busybox}
            - id: report
              retry: {userErrors: 5}
              job: {image: busybox, args: ["--size=${size(dates('2000-01-01', params.to).map(d, params.big + params.big))}"]}
          """
              .formatted(CONDITION));

  static FlowHarness run(String big, String to) {
    Map<String, JsonNode> params = Map.of("big", new TextNode(big), "to", new TextNode(to));
    return new FlowHarness(WF, params);
  }

  @Test
  void aConditionOverTheBudgetFailsItsStepAndTheRunNamingBoth() {
    FlowHarness run = run(BIG, "2273-10-15");
    long start = System.nanoTime();
    List<Command> out = run.start();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));

    // The step whose expression went over fails at once, and is not retried.
    assertThat(run.step("load").state).isEqualTo(StepState.Failed);
    assertThat(run.step("load").message)
        .isEqualTo("if '" + CONDITION + "' exceeded the evaluation budget (cost 1000000)");
    assertThat(run.step("load").attempt).isZero();
    assertThat(timers(out, Kind.RETRY)).isEmpty();
    // The rest of the run goes on as with any failed step: extract, already launched, finishes;
    // report is not started.
    assertThat(created(out)).containsExactly("extract#1");
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Running);
    run.succeed("extract", 1, 2);
    assertThat(run.step("extract").state).isEqualTo(StepState.Succeeded);
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(run.status().message)
        .startsWith("step \"load\" failed: if '")
        .endsWith("exceeded the evaluation budget (cost 1000000)");
  }

  @Test
  void argsOverTheBudgetFailTheJobsRenderingWithoutRetry() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            params: [{name: big}]
            steps:
              - id: report
                retry: {userErrors: 5, platformErrors: 5}
                job: {image: busybox, args: ["--size=${size(dates('1800-01-01', '2073-10-15').map(d, params.big + params.big))}"]}
            """);
    FlowHarness run = new FlowHarness(wf, Map.of("big", new TextNode(BIG)));
    List<Command> out = run.start();
    assertThat(created(out)).isEmpty();
    assertThat(timers(out, Kind.RETRY)).isEmpty();
    assertThat(run.step("report").state).isEqualTo(StepState.Failed);
    assertThat(run.step("report").message)
        .startsWith("could not render the job: '")
        .endsWith("exceeded the evaluation budget (cost 1000000)");
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(run.status().message)
        .startsWith("step \"report\" failed: could not render the job: ");
  }

  @Test
  void otherRunsOfTheSameWorkflowGoOn() {
    FlowHarness bad = run(BIG, "2273-10-15");
    bad.start();
    bad.succeed("extract", 1, 2);
    assertThat(bad.flow.phase()).isEqualTo(InstancePhase.Failed);

    // The same expressions over small params are well within the budget.
    FlowHarness good = run("ab", "2000-01-10");
    List<CreateJob> jobs = creates(good.start());
    assertThat(created(jobs.stream().map(c -> (Command) c).toList()))
        .containsExactlyInAnyOrder("extract#1", "load#1", "report#1");
    assertThat(
            jobs.stream().filter(c -> c.stepId().equals("report")).findFirst().orElseThrow().args())
        .containsExactly("--size=10");
    good.succeedLaunched(3);
    assertThat(good.flow.phase()).isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void aForeachWhoseItemsGoOverALimitFailsItsStep() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            params: [{name: big}]
            steps:
              - id: each
                type: foreach
                foreach: {over: [{name: day, expr: "dates('2024-01-01', '2024-04-09').map(d, params.big)"}]}
                steps:
                  - {id: work, job: {image: busybox}}
            """);
    FlowHarness run = new FlowHarness(wf, Map.of("big", new TextNode(BIG)));
    List<Command> out = run.start();
    assertThat(created(out)).isEmpty();
    assertThat(run.step("each").state).isEqualTo(StepState.Failed);
    assertThat(run.step("each").message)
        .startsWith("foreach: '")
        .endsWith("gave a result of over 4194304 characters");
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(run.status().message).startsWith("step \"each\" failed: foreach: ");
  }
}
