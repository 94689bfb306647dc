package dev.baton.flow;

import static dev.baton.flow.FlowHarness.T0;
import static dev.baton.flow.FlowHarness.at;
import static dev.baton.flow.FlowHarness.created;
import static dev.baton.flow.FlowHarness.creates;
import static dev.baton.flow.FlowHarness.deletes;
import static dev.baton.flow.FlowHarness.jobName;
import static dev.baton.flow.FlowHarness.timers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.Step;
import dev.baton.api.StepState;
import dev.baton.api.StepType;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.api.WorkflowSpec;
import dev.baton.dag.Limits;
import dev.baton.dag.Specs;
import dev.baton.flow.Command.CreateJob;
import dev.baton.flow.Command.DeleteJob;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.TimerKey.Kind;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class InstanceFlowTest {
  static final String DIAMOND =
      """
      steps:
        - {id: a, job: {image: busybox}}
        - {id: b, dependsOn: [a], job: {image: busybox}}
        - {id: c, dependsOn: [a], job: {image: busybox}}
        - {id: d, dependsOn: [b, c], job: {image: busybox}}
      """;

  static Condition completed(WorkflowInstanceStatus status) {
    return Conditions.find(status.conditions, "Completed");
  }

  @Nested
  class TheGraph {
    final FlowHarness run = new FlowHarness(DIAMOND);

    @Test
    void startLaunchesOnlyTheRoots() {
      List<Command> out = run.start();
      assertThat(created(out)).containsExactly("a#1");
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Running);
      assertThat(run.step("a").state).isEqualTo(StepState.Launching);
      assertThat(run.step("b").state).isEqualTo(StepState.Waiting);
      assertThat(run.step("d").state).isEqualTo(StepState.Waiting);
      assertThat(out.getLast()).isEqualTo(Command.WriteStatus.INSTANCE);
    }

    @Test
    void startArmsTheWorkflowTimeout() {
      assertThat(timers(run.start()))
          .containsExactly(new SetTimer(TimerKey.workflowTimeout(), T0.plus(Duration.ofDays(10))));
    }

    @Test
    void jobNamesAreAPureFunctionOfInstanceStepAndAttempt() {
      CreateJob a = creates(run.start()).getFirst();
      assertThat(a.jobName()).isEqualTo(JobNames.of("run-1", "a", 1));
      assertThat(creates(new FlowHarness(DIAMOND).start()).getFirst().jobName())
          .isEqualTo(a.jobName());
      assertThat(a.jobName())
          .isNotEqualTo(JobNames.of("run-1", "a", 2))
          .isNotEqualTo(JobNames.of("run-2", "a", 1))
          .hasSizeLessThanOrEqualTo(63)
          .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
      assertThat(run.step("a").jobName).isEqualTo(a.jobName());
    }

    @Test
    void theJobCarriesTheStepsTemplate() {
      CreateJob a = creates(run.start()).getFirst();
      assertThat(a.stepId()).isEqualTo("a");
      assertThat(a.attempt()).isEqualTo(1);
      assertThat(a.template().image).isEqualTo("busybox");
      assertThat(a.timeout()).isNull();
      assertThat(a.params()).isEmpty();
    }

    @Test
    void aLaunchedJobMakesTheStepRunning() {
      run.start();
      assertThat(run.launched("a", 1, 1)).containsExactly(Command.WriteStatus.INSTANCE);
      assertThat(run.step("a").state).isEqualTo(StepState.Running);
      assertThat(run.step("a").startTime).isEqualTo(T0.toString());
    }

    @Test
    void succeedingTheRootLaunchesBothBranches() {
      run.start();
      run.launched("a", 1, 1);
      assertThat(created(run.succeed("a", 1, 2))).containsExactlyInAnyOrder("b#1", "c#1");
      assertThat(run.step("a").state).isEqualTo(StepState.Succeeded);
      assertThat(run.step("a").endTime).isEqualTo(at(2).toString());
      assertThat(run.step("a").exitCode).isZero();
    }

    @Test
    void theJoinWaitsForEveryDependency() {
      run.start();
      run.succeed("a", 1, 2);
      assertThat(created(run.succeed("b", 1, 3))).isEmpty();
      assertThat(run.step("d").state).isEqualTo(StepState.Waiting);
      assertThat(created(run.succeed("c", 1, 4))).containsExactly("d#1");
    }

    @Test
    void progressCountsFinishedSteps() {
      run.start();
      assertThat(run.status().progress).isEqualTo("0/4");
      run.succeed("a", 1, 2);
      assertThat(run.status().progress).isEqualTo("1/4");
    }

    @Test
    void theRunSucceedsWhenEveryStepHasSucceeded() {
      run.start();
      run.succeed("a", 1, 2);
      run.succeed("b", 1, 3);
      run.succeed("c", 1, 4);
      run.succeed("d", 1, 5);
      WorkflowInstanceStatus st = run.status();
      assertThat(st.phase).isEqualTo(InstancePhase.Succeeded);
      assertThat(st.progress).isEqualTo("4/4");
      assertThat(st.startTime).isEqualTo(T0.toString());
      assertThat(st.endTime).isEqualTo(at(5).toString());
      assertThat(completed(st).getStatus()).isEqualTo("True");
      assertThat(completed(st).getReason()).isEqualTo("Succeeded");
      assertThat(st.steps.values())
          .allSatisfy(s -> assertThat(s.state).isEqualTo(StepState.Succeeded));
    }

    @Test
    void theCompletedConditionIsFalseWhileRunning() {
      run.start();
      assertThat(completed(run.status()).getStatus()).isEqualTo("False");
      assertThat(completed(run.status()).getReason()).isEqualTo("Running");
    }

    @Test
    void theStatusEchoesTheDefinitionAndParams() {
      run.start();
      WorkflowInstanceStatus st = run.status();
      assertThat(st.definitionHash).isEqualTo(run.wf.hash());
      assertThat(st.definition).isEqualTo(Json.toTree(run.wf.spec()));
      assertThat(st.steps).containsOnlyKeys("a", "b", "c", "d");
    }
  }

  @Nested
  class Outputs {
    final FlowHarness run =
        new FlowHarness(
            """
            params:
              - {name: date, default: "2024-05-01"}
            steps:
              - {id: a, job: {image: busybox}}
              - id: b
                dependsOn: [a]
                job:
                  image: busybox
                  command: [load]
                  args: ["--rows=${steps.a.outputs.rows}", "--date=${params.date}", "--all=${steps.a.outputs}"]
            """);

    @Test
    void theTerminationMessageLandsInTheStatusOutputs() {
      run.start();
      run.succeed("a", 1, "{\"rows\": 5, \"table\": \"sales\"}", 2);
      assertThat(run.step("a").outputs).containsOnlyKeys("rows", "table");
      assertThat(run.step("a").outputs.get("rows").asInt()).isEqualTo(5);
      assertThat(run.step("a").outputs.get("table")).isEqualTo(new TextNode("sales"));
    }

    @Test
    void outputsAreInterpolatedIntoDownstreamArgs() {
      run.start();
      CreateJob b = creates(run.succeed("a", 1, "{\"rows\": 5}", 2)).getFirst();
      assertThat(b.command()).containsExactly("load");
      assertThat(b.args()).containsExactly("--rows=5", "--date=2024-05-01", "--all={\"rows\":5}");
    }

    @Test
    void runParamsOverrideDefaults() {
      FlowHarness other = new FlowHarness(run.wf, Map.of("date", new TextNode("2024-06-30")));
      other.start();
      assertThat(creates(other.succeed("a", 1, "{\"rows\": 1}", 2)).getFirst().args())
          .contains("--date=2024-06-30");
    }

    @Test
    void noOutputMeansNoOutputs() {
      run.start();
      run.launched("a", 1, 1);
      // b's args need steps.a.outputs.rows, which a never wrote: b cannot be rendered.
      run.succeed("a", 1, "  ", 2);
      assertThat(run.step("a").outputs).isNull();
      assertThat(run.step("b").state).isEqualTo(StepState.Failed);
      assertThat(run.step("b").message).contains("could not render the job").contains("rows");
    }

    @Test
    void outputThatIsNotJsonFailsTheStep() {
      FlowHarness strict =
          new FlowHarness("steps: [{id: a, retry: {userErrors: 0}, job: {image: busybox}}]");
      strict.start();
      strict.succeed("a", 1, "rows=5", 2);
      assertThat(strict.step("a").state).isEqualTo(StepState.Failed);
      assertThat(strict.step("a").message)
          .contains("termination message is not JSON")
          .contains("rows=5");
      assertThat(strict.flow.phase()).isEqualTo(InstancePhase.Failed);
    }

    @Test
    void outputThatIsNotAnObjectFailsTheStep() {
      FlowHarness strict =
          new FlowHarness("steps: [{id: a, retry: {userErrors: 0}, job: {image: busybox}}]");
      strict.start();
      strict.succeed("a", 1, "[1, 2]", 2);
      assertThat(strict.step("a").state).isEqualTo(StepState.Failed);
      assertThat(strict.step("a").message).contains("must be a JSON object").contains("[1, 2]");
      assertThat(strict.step("a").outputs).isNull();
    }

    @Test
    void badOutputIsAUserErrorAndIsRetried() {
      // RetryPolicy.userErrors: "Retries after a non-zero exit or bad output".
      run.start();
      List<Command> out = run.succeed("a", 1, "not json", 2);
      assertThat(run.step("a").state).isEqualTo(StepState.Retrying);
      assertThat(run.step("a").userErrors).isEqualTo(1);
      assertThat(timers(out, Kind.RETRY)).hasSize(1);
    }

    @Test
    void aVeryLongBadOutputIsAbbreviatedInTheMessage() {
      FlowHarness strict =
          new FlowHarness("steps: [{id: a, retry: {userErrors: 0}, job: {image: busybox}}]");
      strict.start();
      strict.succeed("a", 1, "x".repeat(5000), 2);
      // The status echoes only the start of the output, never all of it.
      assertThat(strict.step("a").message).hasSizeLessThan(1000).contains("...");
    }
  }

  @Nested
  class StepParamsAndEnv {
    final FlowHarness run =
        new FlowHarness(
            """
            params:
              - {name: date, default: "2024-05-01"}
            steps:
              - id: a
                params: {day: "${params.date}", fixed: "x"}
                job:
                  image: busybox
                  args: ["--day=${params.day}"]
                  env:
                    - {name: DATE, value: "${params.date}"}
                    - {name: PLAIN, value: "p"}
            """);

    @Test
    void stepParamsAreRenderedAndPassedToTheJob() {
      CreateJob a = creates(run.start()).getFirst();
      assertThat(a.params())
          .containsExactly(Map.entry("day", "2024-05-01"), Map.entry("fixed", "x"));
    }

    @Test
    void stepParamsAreVisibleToTheStepsOwnCondition() {
      FlowHarness gated =
          new FlowHarness(
              """
              params:
                - {name: env, default: "dev"}
              steps:
                - id: deploy
                  params: {target: "${params.env}-cluster"}
                  if: params.target == 'prod-cluster'
                  job: {image: busybox}
              """);
      gated.start();
      assertThat(gated.flow.stepState("deploy")).isEqualTo(dev.baton.api.StepState.Skipped);
    }

    @Test
    void stepParamsAreVisibleToTheStepsOwnTemplates() {
      assertThat(creates(run.start()).getFirst().args()).containsExactly("--day=2024-05-01");
    }

    @Test
    void envValuesAreInterpolated() {
      assertThat(creates(run.start()).getFirst().env())
          .extracting(EnvVar::getName, EnvVar::getValue)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("DATE", "2024-05-01"),
              org.assertj.core.groups.Tuple.tuple("PLAIN", "p"));
    }
  }

  @Nested
  class StepConditions {
    static final String YAML =
        """
        steps:
          - {id: a, job: {image: busybox}}
          - id: b
            dependsOn: [a]
            if: steps.a.outputs.rows > %s
            job: {image: busybox, args: ["--rows=${steps.a.outputs.rows}"]}
          - id: c
            dependsOn: [b]
            job: {image: busybox, args: ["--b=${steps.b.state}"]}
        """;

    @Test
    void aTrueConditionRunsTheStep() {
      FlowHarness run = new FlowHarness(YAML.formatted("3"));
      run.start();
      CreateJob b = creates(run.succeed("a", 1, "{\"rows\": 5}", 2)).getFirst();
      assertThat(b.stepId()).isEqualTo("b");
      assertThat(b.args()).containsExactly("--rows=5");
    }

    @Test
    void aFalseConditionSkipsTheStep() {
      FlowHarness run = new FlowHarness(YAML.formatted("10"));
      run.start();
      List<Command> out = run.succeed("a", 1, "{\"rows\": 5}", 2);
      assertThat(created(out)).doesNotContain("b#1");
      assertThat(run.step("b").state).isEqualTo(StepState.Skipped);
      assertThat(run.step("b").message).isEqualTo("if was false: steps.a.outputs.rows > 10");
      assertThat(run.step("b").attempt).isZero();
      assertThat(run.step("b").jobName).isNull();
    }

    @Test
    void aSkippedDependencyStillLetsItsDependentsRun() {
      FlowHarness run = new FlowHarness(YAML.formatted("10"));
      run.start();
      CreateJob c = creates(run.succeed("a", 1, "{\"rows\": 5}", 2)).getFirst();
      assertThat(c.stepId()).isEqualTo("c");
      assertThat(c.args()).containsExactly("--b=Skipped");
      run.succeed("c", 1, 3);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
      assertThat(run.status().progress).isEqualTo("3/3");
    }

    @Test
    void aDependentOptsOutOfRunningAfterASkipInItsOwnCondition() {
      FlowHarness run =
          new FlowHarness(
              """
              steps:
                - {id: a, type: noop, if: "false"}
                - {id: b, dependsOn: [a], if: "steps.a.state == 'Succeeded'", job: {image: busybox}}
              """);
      run.start();
      assertThat(run.step("b").state).isEqualTo(StepState.Skipped);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    }

    @Test
    void aConditionOverRunParams() {
      FlowHarness run =
          new FlowHarness(
              """
              params: [{name: env, default: dev}]
              steps:
                - {id: deploy, if: "params.env == 'prod'", job: {image: busybox}}
              """);
      assertThat(created(run.start())).isEmpty();
      assertThat(run.step("deploy").state).isEqualTo(StepState.Skipped);
    }

    @Test
    void aConditionThatErrorsFailsTheStepWithoutRetry() {
      FlowHarness run =
          new FlowHarness(
              YAML.formatted("3")
                  .replace(
                      "job: {image: busybox, args",
                      "retry: {userErrors: 5}\n    job: {image: busybox, args"));
      run.start();
      List<Command> out = run.succeed("a", 1, "{\"count\": 5}", 2);
      assertThat(created(out)).isEmpty();
      assertThat(timers(out, Kind.RETRY)).isEmpty();
      assertThat(run.step("b").state).isEqualTo(StepState.Failed);
      assertThat(run.step("b").message)
          .startsWith("if 'steps.a.outputs.rows > 3'")
          .contains("rows");
      assertThat(run.step("b").attempt).isZero();
      assertThat(run.step("c").state).isEqualTo(StepState.Stopped);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.status().message).contains("step \"b\" failed");
    }

    @Test
    void hasGuardsAnOptionalOutput() {
      FlowHarness run =
          new FlowHarness(
              """
              steps:
                - {id: a, job: {image: busybox}}
                - {id: b, dependsOn: [a], if: "has(steps.a.outputs.rows) && steps.a.outputs.rows > 0", job: {image: busybox}}
              """);
      run.start();
      run.succeed("a", 1, 2);
      assertThat(run.step("b").state).isEqualTo(StepState.Skipped);
    }
  }

  @Nested
  class SleepAndNoop {
    final FlowHarness run =
        new FlowHarness(
            """
            steps:
              - {id: nap, type: sleep, sleep: 30s}
              - {id: join, type: noop, dependsOn: [nap]}
              - {id: after, dependsOn: [join], job: {image: busybox}}
            """);

    @Test
    void aSleepStepSetsATimerAndCreatesNoJob() {
      List<Command> out = run.start();
      assertThat(creates(out)).isEmpty();
      assertThat(timers(out, Kind.SLEEP))
          .containsExactly(new SetTimer(new TimerKey(Kind.SLEEP, "nap", 1), at(30)));
      assertThat(run.step("nap").state).isEqualTo(StepState.Running);
      assertThat(run.step("nap").jobName).isNull();
    }

    @Test
    void aSleepStepSucceedsWhenItsTimerFires() {
      run.start();
      run.fire(Kind.SLEEP, "nap", 1, 30);
      assertThat(run.step("nap").state).isEqualTo(StepState.Succeeded);
      assertThat(run.step("nap").endTime).isEqualTo(at(30).toString());
    }

    @Test
    void aNoopStepSucceedsAtOnce() {
      run.start();
      List<Command> out = run.fire(Kind.SLEEP, "nap", 1, 30);
      assertThat(run.step("join").state).isEqualTo(StepState.Succeeded);
      assertThat(created(out)).containsExactly("after#1");
    }

    @Test
    void aWorkflowOfNoopsSucceedsOnStart() {
      FlowHarness noops =
          new FlowHarness("steps: [{id: a, type: noop}, {id: b, type: noop, dependsOn: [a]}]");
      noops.start();
      assertThat(noops.flow.phase()).isEqualTo(InstancePhase.Succeeded);
      assertThat(noops.status().progress).isEqualTo("2/2");
      assertThat(noops.status().endTime).isEqualTo(T0.toString());
    }
  }

  @Nested
  class StopAndWorkflowTimeout {
    final FlowHarness run =
        new FlowHarness(
            """
            timeout: 1h
            steps:
              - {id: a, job: {image: busybox}}
              - {id: b, dependsOn: [a], job: {image: busybox}}
              - {id: c, dependsOn: [a], retry: {backoff: {type: fixed, delay: 1m}}, job: {image: busybox}}
              - {id: d, dependsOn: [b, c], job: {image: busybox}}
            """);

    /** a done, b running, c waiting for its retry, d waiting. */
    void midRun() {
      run.start();
      run.succeed("a", 1, 10);
      run.launched("b", 1, 11);
      run.fail("c", 1, 12);
    }

    @Test
    void theWorkflowTimeoutIsArmedFromTheDefinition() {
      assertThat(timers(run.start(), Kind.WORKFLOW_TIMEOUT))
          .containsExactly(new SetTimer(TimerKey.workflowTimeout(), at(3600)));
    }

    @Test
    void stopDeletesRunningJobsAndStopsEveryUnfinishedStep() {
      midRun();
      List<Command> out = run.stop(20);
      assertThat(deletes(out)).containsExactly(new DeleteJob("b", 1, jobName("b", 1)));
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Stopped);
      assertThat(run.step("a").state).isEqualTo(StepState.Succeeded);
      assertThat(run.step("b").state).isEqualTo(StepState.Stopped);
      assertThat(run.step("c").state).isEqualTo(StepState.Stopped);
      assertThat(run.step("d").state).isEqualTo(StepState.Stopped);
      assertThat(run.step("d").message).isEqualTo("not started: stopped by the user");
      assertThat(completed(run.status()).getReason()).isEqualTo("Stopped");
      assertThat(run.status().progress).isEqualTo("4/4");
      assertThat(run.status().endTime).isEqualTo(at(20).toString());
    }

    @Test
    void eventsAfterTheEndProduceNoCommands() {
      midRun();
      run.stop(20);
      WorkflowInstanceStatus before = run.status();
      assertThat(run.succeed("b", 1, 21)).isEmpty();
      assertThat(run.fire(Kind.RETRY, "c", 1, 72)).isEmpty();
      assertThat(run.handle(new FlowEvent.TimerFired(TimerKey.workflowTimeout(), at(3600))))
          .isEmpty();
      assertThat(run.stop(22)).isEmpty();
      assertThat(run.handle(new FlowEvent.Start(at(23)))).isEmpty();
      assertThat(Json.write(run.status())).isEqualTo(Json.write(before));
    }

    @Test
    void theWorkflowTimeoutDeletesRunningJobsAndEndsTimedOut() {
      midRun();
      List<Command> out =
          run.handle(new FlowEvent.TimerFired(TimerKey.workflowTimeout(), at(3600)));
      assertThat(deletes(out)).containsExactly(new DeleteJob("b", 1, jobName("b", 1)));
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.TimedOut);
      assertThat(run.status().message).contains("timeout of 1h");
      assertThat(completed(run.status()).getReason()).isEqualTo("TimedOut");
      assertThat(run.status().steps.values())
          .extracting(s -> s.state)
          .containsExactly(
              StepState.Succeeded, StepState.Stopped, StepState.Stopped, StepState.Stopped);
    }

    @Test
    void anInternalErrorFailsTheRun() {
      midRun();
      List<Command> out = run.handle(new FlowEvent.InternalError("boom", at(30)));
      assertThat(deletes(out)).hasSize(1);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.status().message).isEqualTo("internal error: boom");
    }
  }

  @Nested
  class DuplicateAndStaleEvents {
    final FlowHarness run =
        new FlowHarness(
            """
            steps:
              - {id: a, timeout: 1h, retry: {backoff: {type: fixed, delay: 10s}}, job: {image: busybox}}
              - {id: b, dependsOn: [a], job: {image: busybox}}
            """);

    @Test
    void aSecondStepSucceededIsIgnored() {
      run.start();
      assertThat(created(run.succeed("a", 1, "{\"n\": 1}", 2))).containsExactly("b#1");
      WorkflowInstanceStatus before = run.status();
      assertThat(run.succeed("a", 1, "{\"n\": 2}", 3)).isEmpty();
      assertThat(Json.write(run.status())).isEqualTo(Json.write(before));
    }

    @Test
    void aSecondJobLaunchedIsIgnored() {
      run.start();
      run.launched("a", 1, 1);
      assertThat(run.launched("a", 1, 2)).isEmpty();
      assertThat(run.handle(new FlowEvent.StepStarted("a", 1, at(3)))).isEmpty();
    }

    @Test
    void aSecondStartIsIgnored() {
      run.start();
      assertThat(run.handle(new FlowEvent.Start(at(1)))).isEmpty();
    }

    @Test
    void successBeforeTheLaunchIsReportedCounts() {
      run.start();
      run.succeed("a", 1, 2);
      assertThat(run.step("a").state).isEqualTo(StepState.Succeeded);
      assertThat(run.launched("a", 1, 3)).isEmpty();
      assertThat(run.step("a").state).isEqualTo(StepState.Succeeded);
    }

    /** a's attempt 1 failed and attempt 2 is running. */
    void secondAttempt() {
      run.start();
      run.launched("a", 1, 1);
      run.fail("a", 1, 5);
      assertThat(created(run.fire(Kind.RETRY, "a", 1, 15))).containsExactly("a#2");
      run.launched("a", 2, 16);
    }

    @Test
    void eventsForAnOldAttemptAreIgnored() {
      secondAttempt();
      assertThat(run.fail("a", 1, 20)).isEmpty();
      assertThat(run.succeed("a", 1, 21)).isEmpty();
      assertThat(run.handle(new FlowEvent.StepLaunchFailed("a", 1, "x", true, at(22)))).isEmpty();
      assertThat(run.step("a").state).isEqualTo(StepState.Running);
      assertThat(run.step("a").attempt).isEqualTo(2);
    }

    @Test
    void aRetryTimerForAnOldAttemptIsIgnored() {
      secondAttempt();
      assertThat(run.fire(Kind.RETRY, "a", 1, 25)).isEmpty();
    }

    @Test
    void aRetryTimerThatFiresTwiceLaunchesOnce() {
      run.start();
      run.fail("a", 1, 5);
      assertThat(created(run.fire(Kind.RETRY, "a", 1, 15))).containsExactly("a#2");
      assertThat(run.fire(Kind.RETRY, "a", 1, 15)).isEmpty();
    }

    @Test
    void aStepTimeoutForAnOldAttemptIsIgnored() {
      secondAttempt();
      assertThat(run.fire(Kind.STEP_TIMEOUT, "a", 1, 3600)).isEmpty();
      assertThat(run.step("a").state).isEqualTo(StepState.Running);
    }

    @Test
    void aStepTimeoutAfterSuccessIsIgnored() {
      run.start();
      run.succeed("a", 1, 2);
      assertThat(run.fire(Kind.STEP_TIMEOUT, "a", 1, 3600)).isEmpty();
    }

    @Test
    void eventsForUnknownStepsAreIgnored() {
      run.start();
      assertThat(run.succeed("ghost", 1, 2)).isEmpty();
      assertThat(run.fail("ghost", 1, 2)).isEmpty();
      assertThat(run.launched("ghost", 1, 2)).isEmpty();
      assertThat(run.fire(Kind.RETRY, "ghost", 1, 2)).isEmpty();
      assertThat(run.handle(new FlowEvent.StepSucceeded((StepPath) null, 1, null, at(2))))
          .isEmpty();
    }
  }

  @Test
  void aChainOfTenThousandNoopStepsCompletes() {
    int n = 10_000;
    WorkflowSpec spec = new WorkflowSpec();
    spec.steps = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Step s = new Step();
      s.id = "s" + i;
      s.type = StepType.NOOP;
      if (i > 0) s.dependsOn = List.of("s" + (i - 1));
      spec.steps.add(s);
    }
    var wf = Specs.compile(spec, new Limits(20_000, 64 << 20, Duration.ofDays(120)));
    FlowHarness run = new FlowHarness(wf, Map.of());
    run.start();
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    assertThat(run.status().progress).isEqualTo("10000/10000");
  }
}
