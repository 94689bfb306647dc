package dev.baton.flow;

import static dev.baton.flow.FlowHarness.at;
import static dev.baton.flow.FlowHarness.created;
import static dev.baton.flow.FlowHarness.creates;
import static dev.baton.flow.FlowHarness.deletes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.LoopStatus;
import dev.baton.api.StepState;
import dev.baton.flow.Command.CreateJob;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** foreach and while steps: iterations as frames, their order, limits, failures and status. */
class InstanceFlowLoopTest {

  static Map<String, String> env(CreateJob c) {
    return c.env() == null
        ? Map.of()
        : c.env().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  static LoopStatus loop(FlowHarness run, String step) {
    return run.step(step).loop;
  }

  @Nested
  class Foreach {
    final FlowHarness run =
        new FlowHarness(
            """
            params: [{name: days, type: array, default: ["2024-01-01", "2024-01-02", "2024-01-03"]}]
            steps:
              - id: days
                type: foreach
                foreach: {over: [{name: day, expr: params.days}]}
                steps:
                  - {id: work, job: {image: busybox, args: ["--day=${loop.day}", "--i=${loop.index}"]}}
              - {id: after, dependsOn: [days], job: {image: busybox, args: ["${steps.days.outputs.succeeded}"]}}
            """);

    @Test
    void eachItemRunsTheBodyOnceUnderItsOwnPath() {
      List<Command> out = run.start();
      assertThat(created(out)).containsExactly("days.0.work#1", "days.1.work#1", "days.2.work#1");
      CreateJob second = creates(out).get(1);
      assertThat(second.jobName()).isEqualTo(JobNames.of(FlowHarness.INSTANCE, "days.1.work", 1));
      assertThat(second.args()).containsExactly("--day=2024-01-02", "--i=1");
      assertThat(env(second))
          .containsEntry("BATON_LOOP_INDEX", "1")
          .containsEntry("BATON_LOOP_DAY", "2024-01-02");
      assertThat(run.step("days").state).isEqualTo(StepState.Running);
      assertThat(run.flow.stepState("days.1.work")).isEqualTo(StepState.Launching);
    }

    @Test
    void aJobMissingFromOneObservationIsConfirmedNotFailedAndItsSuccessCounts() {
      run.start();
      run.launched("days.0.work", 1, 1);
      run.handle(
          new FlowEvent.WorkloadsObserved(
              Map.of("days.0.work", 1, "days.1.work", 1, "days.2.work", 1), at(2)));
      // A torn informer read: days.0.work's Job is being updated and the index misses it.
      List<Command> torn =
          run.handle(
              new FlowEvent.WorkloadsObserved(Map.of("days.1.work", 1, "days.2.work", 1), at(3)));
      assertThat(torn)
          .containsExactly(
              new Command.ConfirmGone(
                  "days.0.work", 1, JobNames.of(FlowHarness.INSTANCE, "days.0.work", 1), false));
      assertThat(run.flow.stepState("days.0.work")).isEqualTo(StepState.Running);
      // Asked once: the next torn read asks nothing more.
      assertThat(
              run.handle(
                  new FlowEvent.WorkloadsObserved(
                      Map.of("days.1.work", 1, "days.2.work", 1), at(3.05))))
          .isEmpty();

      run.succeed("days.0.work", 1, 3.1);
      run.fire(TimerKey.Kind.RETRY, "days.0.work", 1, 13);
      // The API server's answer, late: the attempt already succeeded.
      run.handle(new FlowEvent.WorkloadGone("days.0.work", 1, at(14)));

      assertThat(created(run.all)).doesNotContain("days.0.work#2");
      assertThat(loop(run, "days").succeeded).isEqualTo("0");
      assertThat(run.flow.stepState("days.1.work")).isEqualTo(StepState.Running);
    }

    @Test
    void aJobTheApiServerConfirmsGoneIsAPlatformFailure() {
      run.start();
      run.handle(
          new FlowEvent.WorkloadsObserved(
              Map.of("days.0.work", 1, "days.1.work", 1, "days.2.work", 1), at(2)));
      run.handle(
          new FlowEvent.WorkloadsObserved(Map.of("days.1.work", 1, "days.2.work", 1), at(3)));
      run.handle(new FlowEvent.WorkloadGone("days.0.work", 1, at(3.2)));
      assertThat(run.flow.stepState("days.0.work")).isEqualTo(StepState.Retrying);
      assertThat(loop(run, "days").active.get("0").steps.get("work").get("platformErrors").asInt())
          .isEqualTo(1);
      assertThat(loop(run, "days").active.get("0").steps.get("work").get("message").asText())
          .contains("the Job of attempt 1 was deleted before the step finished");
    }

    @Test
    void aJobSeenAgainAfterAConfirmIsAskedAboutAfreshNextTimeItIsMissing() {
      run.start();
      run.handle(new FlowEvent.WorkloadsObserved(Map.of("days.0.work", 1), at(2)));
      assertThat(run.handle(new FlowEvent.WorkloadsObserved(Map.of(), at(3)))).hasSize(1);
      run.handle(
          new FlowEvent.WorkloadsObserved(
              Map.of("days.0.work", 1, "days.1.work", 1, "days.2.work", 1), at(4)));
      assertThat(
              run.handle(
                  new FlowEvent.WorkloadsObserved(
                      Map.of("days.1.work", 1, "days.2.work", 1), at(5))))
          .containsExactly(
              new Command.ConfirmGone(
                  "days.0.work", 1, JobNames.of(FlowHarness.INSTANCE, "days.0.work", 1), false));
    }

    @Test
    void theLoopSucceedsWhenEveryIterationDidAndItsDependentsGo() {
      run.start();
      run.succeed("days.0.work", 1, 1);
      run.succeed("days.2.work", 1, 2);
      LoopStatus ls = loop(run, "days");
      assertThat(ls.total).isEqualTo(3);
      assertThat(ls.succeeded).isEqualTo("0,2");
      assertThat(ls.states).containsEntry("Succeeded", 2L).containsEntry("Running", 1L);
      assertThat(ls.active).containsOnlyKeys("1");
      assertThat(ls.active.get("1").values.get("day").asText()).isEqualTo("2024-01-02");
      assertThat(ls.active.get("1").steps.get("work").get("state").asText()).isEqualTo("Launching");
      assertThat(ls.active.get("1").steps.get("work").has("jobName")).isFalse();

      List<Command> out = run.succeed("days.1.work", 1, 3);
      assertThat(created(out)).containsExactly("after#1");
      assertThat(creates(out).getFirst().args()).containsExactly("3");
      assertThat(run.step("days").state).isEqualTo(StepState.Succeeded);
      assertThat(run.step("days").outputs).containsOnlyKeys("iterations", "succeeded", "failed");
      assertThat(run.step("days").outputs.get("failed").asLong()).isZero();
      assertThat(loop(run, "days").succeeded).isEqualTo("0-2");
      assertThat(loop(run, "days").active).isNull();
    }

    @Test
    void lateEventsAboutAFinishedIterationAreIgnored() {
      run.start();
      run.succeed("days.0.work", 1, 1);
      assertThat(run.fail("days.0.work", 1, 2)).isEmpty();
      assertThat(run.succeed("days.9.work", 1, 2)).isEmpty();
      assertThat(loop(run, "days").succeeded).isEqualTo("0");
    }

    @Test
    void anEmptyListSucceedsWithNoIterations() {
      FlowHarness empty =
          new FlowHarness(run.wf, Map.of("days", dev.baton.api.Json.MAPPER.createArrayNode()));
      assertThat(created(empty.start())).containsExactly("after#1");
      assertThat(empty.step("days").state).isEqualTo(StepState.Succeeded);
      assertThat(empty.step("days").outputs.get("iterations").asLong()).isZero();
    }

    @Test
    void itemsThatAreNotAListFailTheStepClearly() {
      FlowHarness bad =
          new FlowHarness(
              """
              params: [{name: day, default: "2024-01-01"}]
              steps:
                - id: days
                  type: foreach
                  foreach: {over: [{name: day, expr: params.day}]}
                  steps: [{id: work, type: noop}]
              """);
      bad.start();
      assertThat(bad.step("days").state).isEqualTo(StepState.Failed);
      assertThat(bad.step("days").message).contains("loop param day").contains("not a list");
      assertThat(bad.flow.phase()).isEqualTo(InstancePhase.Failed);
    }
  }

  @Test
  void severalLoopParamsGiveTheirCartesianProductFirstVaryingSlowest() {
    FlowHarness run =
        new FlowHarness(
            """
            steps:
              - id: grid
                type: foreach
                foreach:
                  concurrency: 10
                  over: [{name: region, values: [eu, us]}, {name: n, values: [1, 2, 3]}]
                steps: [{id: w, job: {image: busybox, args: ["${loop.region}-${loop.n}"]}}]
            """);
    List<String> args = creates(run.start()).stream().map(c -> c.args().getFirst()).toList();
    assertThat(args).containsExactly("eu-1", "eu-2", "eu-3", "us-1", "us-2", "us-3");
    assertThat(loop(run, "grid").total).isEqualTo(6);
  }

  @Test
  void atMostConcurrencyIterationsRunAndTheyStartInOrder() {
    FlowHarness run =
        new FlowHarness(
            """
            steps:
              - id: l
                type: foreach
                foreach: {concurrency: 3, over: [{name: x, expr: "[0,1,2,3,4,5,6,7,8,9]"}]}
                steps: [{id: w, job: {image: busybox}}]
            """);
    assertThat(created(run.start())).containsExactly("l.0.w#1", "l.1.w#1", "l.2.w#1");
    assertThat(created(run.succeed("l.1.w", 1, 1))).containsExactly("l.3.w#1");
    assertThat(created(run.succeed("l.0.w", 1, 2))).containsExactly("l.4.w#1");
    assertThat(loop(run, "l").active).containsOnlyKeys("2", "3", "4");
    run.succeedLaunched(3);
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    assertThat(created(run.all)).hasSize(10).doesNotHaveDuplicates();
  }

  @Nested
  class IterationFailures {
    static final String YAML =
        """
        steps:
          - id: l
            type: foreach
            foreach: {concurrency: 2, onIterationFailure: %s, over: [{name: item, values: [a, b, c, d, e]}]}
            steps:
              - {id: w, retry: {userErrors: 0}, job: {image: busybox}}
              - {id: after, dependsOn: [w], type: noop}
        """;

    @Test
    void stopStartsNoNewIterationsLetsTheRunningOnesFinishThenFails() {
      FlowHarness run = new FlowHarness(YAML.formatted("stop"));
      run.start();
      assertThat(created(run.fail("l.0.w", 1, 1))).isEmpty();
      assertThat(run.step("l").state).isEqualTo(StepState.Running);
      assertThat(created(run.succeed("l.1.w", 1, 2))).isEmpty();
      assertThat(run.step("l").state).isEqualTo(StepState.Failed);
      assertThat(run.step("l").message)
          .startsWith("iteration 0 (item=a) failed: step \"w\" failed:");
      assertThat(loop(run, "l").unsuccessful).isEqualTo("0");
      assertThat(loop(run, "l").succeeded).isEqualTo("1");
      assertThat(loop(run, "l").errors).hasSize(1);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.status().message).contains("step \"l\" failed: iteration 0 (item=a)");
      assertThat(created(run.all)).containsExactly("l.0.w#1", "l.1.w#1");
    }

    @Test
    void continueRunsEveryIterationThenFails() {
      FlowHarness run = new FlowHarness(YAML.formatted("continue"));
      run.start();
      run.finishLaunched(
          1, c -> c.stepId().startsWith("l.1.") || c.stepId().startsWith("l.3.") ? null : "");
      assertThat(created(run.all)).hasSize(5);
      assertThat(run.step("l").state).isEqualTo(StepState.Failed);
      assertThat(run.step("l").message)
          .startsWith("2 of 5 iterations failed; the first: iteration 1 (item=b)");
      assertThat(loop(run, "l").succeeded).isEqualTo("0,2,4");
      assertThat(loop(run, "l").unsuccessful).isEqualTo("1,3");
      assertThat(run.step("l").outputs.get("failed").asLong()).isEqualTo(2);
      // The failed iterations' other steps never ran: the rollup counts them Stopped.
      assertThat(run.status().rollup.states)
          .containsEntry("Succeeded", 6L)
          .containsEntry("Failed", 2L)
          .containsEntry("Stopped", 2L);
    }

    @Test
    void failImmediatelyInsideAnIterationAbortsOnlyThatIteration() {
      FlowHarness run =
          new FlowHarness(
              """
              steps:
                - id: l
                  type: foreach
                  foreach: {concurrency: 2, onIterationFailure: continue, over: [{name: item, values: [a, b]}]}
                  steps:
                    - {id: w, failureMode: FAIL_IMMEDIATELY, retry: {userErrors: 0}, job: {image: busybox}}
                    - {id: slow, job: {image: busybox}}
              """);
      run.start();
      List<Command> out = run.fail("l.0.w", 1, 1);
      assertThat(deletes(out)).extracting(DeleteJobPath::of).containsExactly("l.0.slow");
      assertThat(run.flow.stepState("l.1.slow")).isEqualTo(StepState.Launching);
      assertThat(loop(run, "l").unsuccessful).isEqualTo("0");
      run.succeedLaunched(2);
      assertThat(run.step("l").state).isEqualTo(StepState.Failed);
    }
  }

  /** The path of a DeleteJob. */
  static final class DeleteJobPath {
    static String of(Command.DeleteJob d) {
      return d.stepId();
    }
  }

  @Test
  void nestedLoopsNameTheirStepsByTheWholePath() {
    FlowHarness run =
        new FlowHarness(
            """
            steps:
              - id: outer
                type: foreach
                foreach: {over: [{name: a, values: [x, y]}]}
                steps:
                  - id: inner
                    type: foreach
                    foreach: {over: [{name: b, values: [1, 2]}]}
                    steps: [{id: w, job: {image: busybox, args: ["${loop.a}${loop.b}"]}}]
            """);
    List<Command> out = run.start();
    assertThat(created(out))
        .containsExactly(
            "outer.0.inner.0.w#1",
            "outer.0.inner.1.w#1",
            "outer.1.inner.0.w#1",
            "outer.1.inner.1.w#1");
    assertThat(creates(out).stream().map(c -> c.args().getFirst()))
        .containsExactly("x1", "x2", "y1", "y2");
    assertThat(env(creates(out).get(3)))
        .containsEntry("BATON_LOOP_A", "y")
        .containsEntry("BATON_LOOP_B", "2")
        .containsEntry("BATON_LOOP_INDEX", "1");
    LoopStatus outer = loop(run, "outer");
    assertThat(outer.active.get("1").steps.get("inner").get("loop").get("total").asLong())
        .isEqualTo(2);
    run.succeedLaunched(1);
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    assertThat(run.status().rollup.total).isEqualTo(4);
    assertThat(run.status().rollup.done).isEqualTo(4);
  }

  @Nested
  class While {
    final FlowHarness run =
        new FlowHarness(
            """
            steps:
              - id: poll
                type: while
                while: {condition: "loop.index == 0 || last.check.outputs.more", maxIterations: 3}
                steps: [{id: check, job: {image: busybox, args: ["${loop.index}"]}}]
            """);

    @Test
    void itRepeatsWhileTheConditionHoldsOneIterationAtATime() {
      List<Command> out = run.start();
      assertThat(created(out)).containsExactly("poll.0.check#1");
      assertThat(created(run.succeed("poll.0.check", 1, "{\"more\": true}", 1)))
          .containsExactly("poll.1.check#1");
      assertThat(loop(run, "poll").last.get("check").get("outputs").get("more").asBoolean())
          .isTrue();
      assertThat(loop(run, "poll").total).isNull();
      assertThat(created(run.succeed("poll.1.check", 1, "{\"more\": false}", 2))).isEmpty();
      assertThat(run.step("poll").state).isEqualTo(StepState.Succeeded);
      assertThat(loop(run, "poll").total).isEqualTo(2);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    }

    @Test
    void aConditionStillTrueAfterTheMaximumFails() {
      run.start();
      run.finishLaunched(1, c -> "{\"more\": true}");
      assertThat(created(run.all))
          .containsExactly("poll.0.check#1", "poll.1.check#1", "poll.2.check#1");
      assertThat(run.step("poll").state).isEqualTo(StepState.Failed);
      assertThat(run.step("poll").message).isEqualTo("condition still true after 3 iterations");
    }

    @Test
    void aFailedIterationFailsTheLoop() {
      run.start();
      run.handle(
          new FlowEvent.StepFailed("poll.0.check", 1, FailureKind.FATAL, "bad", null, at(1)));
      assertThat(run.step("poll").state).isEqualTo(StepState.Failed);
      assertThat(run.step("poll").message).contains("iteration 0 failed").contains("bad");
    }
  }

  @Test
  void theLoopsTimeoutEndsEveryIterationUnderWay() {
    FlowHarness run =
        new FlowHarness(
            """
            steps:
              - id: l
                type: foreach
                timeout: 1m
                foreach: {concurrency: 2, over: [{name: x, values: [1, 2, 3]}]}
                steps: [{id: w, job: {image: busybox}}]
            """);
    run.start();
    List<Command> out = run.fire(TimerKey.Kind.STEP_TIMEOUT, "l", 1, 60);
    assertThat(deletes(out))
        .extracting(Command.DeleteJob::stepId)
        .containsExactlyInAnyOrder("l.0.w", "l.1.w");
    assertThat(run.step("l").state).isEqualTo(StepState.TimedOut);
    assertThat(loop(run, "l").unsuccessful).isEqualTo("0-1");
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
  }

  @Test
  void stopReachesEveryIteration() {
    FlowHarness run =
        new FlowHarness(
            """
            steps:
              - id: l
                type: foreach
                foreach: {concurrency: 2, over: [{name: x, values: [1, 2, 3]}]}
                steps: [{id: w, job: {image: busybox}}]
            """);
    run.start();
    List<Command> out = run.stop(5);
    assertThat(deletes(out))
        .extracting(Command.DeleteJob::stepId)
        .containsExactlyInAnyOrder("l.0.w", "l.1.w");
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Stopped);
    assertThat(run.step("l").state).isEqualTo(StepState.Stopped);
    assertThat(loop(run, "l").states).containsEntry("Stopped", 2L);
  }
}
