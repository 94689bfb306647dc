package dev.baton.flow;

import static dev.baton.flow.FlowHarness.at;
import static dev.baton.flow.FlowHarness.created;
import static dev.baton.flow.FlowHarness.creates;
import static dev.baton.flow.FlowHarness.deletes;
import static dev.baton.flow.FlowHarness.jobName;
import static dev.baton.flow.FlowHarness.timers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.flow.Command.DeleteJob;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.TimerKey.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Retries, failure modes and step timeouts. */
class InstanceFlowFailureTest {

  /** The delays of the RETRY timers the failures of {@code step} set, in seconds. */
  static List<Long> retryDelays(FlowHarness run, String step, int failures, FailureKind kind) {
    List<Long> delays = new ArrayList<>();
    double t = 0;
    for (int attempt = 1; attempt <= failures; attempt++) {
      t += 1;
      List<Command> out = run.fail(step, attempt, kind, t);
      List<SetTimer> retry = timers(out, Kind.RETRY);
      if (retry.isEmpty()) break;
      SetTimer timer = retry.getFirst();
      assertThat(timer.key()).isEqualTo(new TimerKey(Kind.RETRY, step, attempt));
      delays.add(Duration.between(at(t), timer.at()).toSeconds());
      t = Duration.between(FlowHarness.T0, timer.at()).toMillis() / 1000.0;
      assertThat(created(run.fire(Kind.RETRY, step, attempt, t)))
          .containsExactly(step + "#" + (attempt + 1));
    }
    return delays;
  }

  @Nested
  class Retries {
    final FlowHarness run =
        new FlowHarness(
            """
            steps:
              - id: a
                retry: {userErrors: 2, backoff: {type: fixed, delay: 10s}}
                job: {image: busybox}
            """);

    @Test
    void aUserFailureWaitsForTheBackoff() {
      run.start();
      run.launched("a", 1, 1);
      List<Command> out = run.fail("a", 1, 5);
      assertThat(creates(out)).isEmpty();
      assertThat(timers(out))
          .containsExactly(new SetTimer(new TimerKey(Kind.RETRY, "a", 1), at(15)));
      var a = run.step("a");
      assertThat(a.state).isEqualTo(StepState.Retrying);
      assertThat(a.retryAt).isEqualTo(at(15).toString());
      assertThat(a.userErrors).isEqualTo(1);
      assertThat(a.exitCode).isEqualTo(1);
      assertThat(a.message).startsWith("attempt 1 failed: USER failure").endsWith("retry in 10s");
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Running);
    }

    @Test
    void theRetryTimerLaunchesTheNextAttemptUnderANewJobName() {
      run.start();
      run.fail("a", 1, 5);
      var create = creates(run.fire(Kind.RETRY, "a", 1, 15)).getFirst();
      assertThat(create.attempt()).isEqualTo(2);
      assertThat(create.jobName()).isEqualTo(jobName("a", 2)).isNotEqualTo(jobName("a", 1));
      assertThat(run.step("a").state).isEqualTo(StepState.Launching);
      assertThat(run.step("a").jobName).isEqualTo(jobName("a", 2));
      assertThat(run.step("a").retryAt).isNull();
    }

    @Test
    void retriesAfterBackoffThenSucceeds() {
      run.start();
      run.fail("a", 1, 5);
      run.fire(Kind.RETRY, "a", 1, 15);
      run.launched("a", 2, 16);
      run.succeed("a", 2, 20);
      assertThat(run.step("a").state).isEqualTo(StepState.Succeeded);
      assertThat(run.step("a").attempt).isEqualTo(2);
      assertThat(run.step("a").userErrors).isEqualTo(1);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    }

    @Test
    void exhaustingTheRetriesFailsTheStepAndTheRun() {
      run.start();
      assertThat(retryDelays(run, "a", 3, FailureKind.USER)).containsExactly(10L, 10L);
      var a = run.step("a");
      assertThat(a.state).isEqualTo(StepState.Failed);
      assertThat(a.attempt).isEqualTo(3);
      assertThat(a.userErrors).isEqualTo(3);
      assertThat(a.message).isEqualTo("USER failure (user retries used: 2)");
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.status().message)
          .isEqualTo("step \"a\" failed: USER failure (user retries used: 2)");
      assertThat(InstanceFlowTest.completed(run.status()).getReason()).isEqualTo("Failed");
    }

    @Test
    void exponentialBackoffDoublesAndCaps() {
      FlowHarness exp =
          new FlowHarness(
              """
              steps:
                - id: a
                  retry: {userErrors: 6, backoff: {delay: 1s, maxDelay: 5s}}
                  job: {image: busybox}
              """);
      exp.start();
      assertThat(retryDelays(exp, "a", 6, FailureKind.USER))
          .containsExactly(1L, 2L, 4L, 5L, 5L, 5L);
    }

    @Test
    void exponentialBackoffUsesItsFactor() {
      FlowHarness exp =
          new FlowHarness(
              """
              steps:
                - id: a
                  retry: {userErrors: 4, backoff: {type: exponential, delay: 2s, factor: 3, maxDelay: 1m}}
                  job: {image: busybox}
              """);
      exp.start();
      assertThat(retryDelays(exp, "a", 4, FailureKind.USER)).containsExactly(2L, 6L, 18L, 54L);
    }

    @Test
    void theDefaultIsTwoUserRetriesExponentialFromTenSeconds() {
      FlowHarness dflt = new FlowHarness("steps: [{id: a, job: {image: busybox}}]");
      dflt.start();
      assertThat(retryDelays(dflt, "a", 3, FailureKind.USER)).containsExactly(10L, 20L);
      assertThat(dflt.step("a").state).isEqualTo(StepState.Failed);
    }

    @Test
    void theDefaultIsTenPlatformRetries() {
      FlowHarness dflt = new FlowHarness("steps: [{id: a, job: {image: busybox}}]");
      dflt.start();
      assertThat(retryDelays(dflt, "a", 11, FailureKind.PLATFORM)).hasSize(10);
      assertThat(dflt.step("a").state).isEqualTo(StepState.Failed);
      assertThat(dflt.step("a").platformErrors).isEqualTo(11);
    }

    @Test
    void platformFailuresDoNotUseTheUserBudget() {
      FlowHarness kinds =
          new FlowHarness(
              """
              steps:
                - id: a
                  retry: {userErrors: 1, platformErrors: 2, backoff: {type: fixed, delay: 1s}}
                  job: {image: busybox}
              """);
      kinds.start();
      kinds.fail("a", 1, FailureKind.USER, 1);
      kinds.fire(Kind.RETRY, "a", 1, 2);
      kinds.fail("a", 2, FailureKind.PLATFORM, 3);
      kinds.fire(Kind.RETRY, "a", 2, 4);
      kinds.fail("a", 3, FailureKind.PLATFORM, 5);
      assertThat(kinds.step("a").state).isEqualTo(StepState.Retrying);
      kinds.fire(Kind.RETRY, "a", 3, 6);
      kinds.succeed("a", 4, 7);
      var a = kinds.step("a");
      assertThat(a.state).isEqualTo(StepState.Succeeded);
      assertThat(a.userErrors).isEqualTo(1);
      assertThat(a.platformErrors).isEqualTo(2);
    }

    @Test
    void platformRetriesDoNotRefillTheUserBudget() {
      FlowHarness kinds =
          new FlowHarness(
              """
              steps:
                - id: a
                  retry: {userErrors: 1, platformErrors: 5, backoff: {type: fixed, delay: 1s}}
                  job: {image: busybox}
              """);
      kinds.start();
      kinds.fail("a", 1, FailureKind.USER, 1);
      kinds.fire(Kind.RETRY, "a", 1, 2);
      kinds.fail("a", 2, FailureKind.PLATFORM, 3);
      kinds.fire(Kind.RETRY, "a", 2, 4);
      kinds.fail("a", 3, FailureKind.USER, 5);
      assertThat(kinds.step("a").state).isEqualTo(StepState.Failed);
      assertThat(kinds.step("a").message).endsWith("(user retries used: 1)");
    }

    @Test
    void aRetryableLaunchFailureIsAPlatformFailure() {
      run.start();
      List<Command> out =
          run.handle(new FlowEvent.StepLaunchFailed("a", 1, "quota exceeded", true, at(1)));
      assertThat(run.step("a").state).isEqualTo(StepState.Retrying);
      assertThat(run.step("a").platformErrors).isEqualTo(1);
      assertThat(run.step("a").message).contains("could not create the Job: quota exceeded");
      assertThat(timers(out, Kind.RETRY)).hasSize(1);
    }

    @Test
    void aLaunchFailureThatCannotBeRetriedFailsAtOnce() {
      run.start();
      run.handle(new FlowEvent.StepLaunchFailed("a", 1, "invalid Job", false, at(1)));
      assertThat(run.step("a").state).isEqualTo(StepState.Failed);
      assertThat(run.step("a").message).isEqualTo("could not create the Job: invalid Job");
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
    }

    @Test
    void aFatalFailureIsNotRetried() {
      run.start();
      List<Command> out = run.fail("a", 1, FailureKind.FATAL, 1);
      assertThat(timers(out, Kind.RETRY)).isEmpty();
      assertThat(run.step("a").state).isEqualTo(StepState.Failed);
    }
  }

  @Nested
  class FailureModes {
    static final String YAML =
        """
        steps:
          - {id: a, %s retry: {userErrors: 0}, job: {image: busybox}}
          - {id: b, job: {image: busybox}}
          - {id: c, dependsOn: [a], job: {image: busybox}}
          - {id: d, dependsOn: [b], job: {image: busybox}}
        """;

    FlowHarness runWith(String failureMode) {
      FlowHarness run = new FlowHarness(YAML.formatted(failureMode));
      assertThat(created(run.start())).containsExactlyInAnyOrder("a#1", "b#1");
      run.launched("a", 1, 1);
      run.launched("b", 1, 1);
      return run;
    }

    @Test
    void failAfterRunningLetsTheRunningSiblingFinish() {
      FlowHarness run = runWith("");
      List<Command> out = run.fail("a", 1, 10);
      assertThat(deletes(out)).isEmpty();
      assertThat(creates(out)).isEmpty();
      assertThat(run.step("a").state).isEqualTo(StepState.Failed);
      assertThat(run.step("b").state).isEqualTo(StepState.Running);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Running);
    }

    @Test
    void failAfterRunningStartsNothingNewThenFailsTheRun() {
      FlowHarness run = runWith("failureMode: FAIL_AFTER_RUNNING,");
      run.fail("a", 1, 10);
      List<Command> out = run.succeed("b", 1, 20);
      assertThat(creates(out)).isEmpty();
      assertThat(run.step("b").state).isEqualTo(StepState.Succeeded);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.status().message).startsWith("step \"a\" failed");
      assertThat(run.status().endTime).isEqualTo(at(20).toString());
      for (String never : List.of("c", "d")) {
        assertThat(run.step(never).state).isEqualTo(StepState.Stopped);
        assertThat(run.step(never).message).isEqualTo("not started: the run failed at step \"a\"");
      }
    }

    @Test
    void failAfterRunningReportsTheFirstFailure() {
      FlowHarness run = runWith("");
      run.fail("a", 1, 10);
      run.fail("b", 1, FailureKind.FATAL, 20);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.status().message).startsWith("step \"a\" failed");
    }

    @Test
    void failImmediatelyDeletesTheRunningSiblingAndFailsAtOnce() {
      FlowHarness run = runWith("failureMode: FAIL_IMMEDIATELY,");
      List<Command> out = run.fail("a", 1, 10);
      assertThat(deletes(out)).containsExactly(new DeleteJob("b", 1, jobName("b", 1)));
      assertThat(creates(out)).isEmpty();
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.step("a").state).isEqualTo(StepState.Failed);
      assertThat(run.step("b").state).isEqualTo(StepState.Stopped);
      assertThat(run.step("c").state).isEqualTo(StepState.Stopped);
      assertThat(run.step("d").state).isEqualTo(StepState.Stopped);
      assertThat(run.succeed("b", 1, 11)).isEmpty();
    }

    @Test
    void ignoreFailureCompletesWithErrorAndDependentsRun() {
      FlowHarness run = runWith("failureMode: IGNORE_FAILURE,");
      List<Command> out = run.fail("a", 1, 10);
      assertThat(run.step("a").state).isEqualTo(StepState.CompletedWithError);
      assertThat(run.step("a").message).contains("USER failure");
      assertThat(created(out)).containsExactly("c#1");
      run.succeed("b", 1, 11);
      run.succeed("c", 1, 12);
      run.succeed("d", 1, 13);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    }
  }

  @Nested
  class StepTimeouts {
    static final String YAML =
        """
        steps:
          - {id: a, timeout: 30m, %s job: {image: busybox}}
          - {id: b, dependsOn: [a], job: {image: busybox}}
        """;

    @Test
    void theStepTimeoutIsArmedAtLaunch() {
      FlowHarness run = new FlowHarness(YAML.formatted(""));
      List<Command> out = run.start();
      assertThat(timers(out, Kind.STEP_TIMEOUT))
          .containsExactly(new SetTimer(new TimerKey(Kind.STEP_TIMEOUT, "a", 1), at(1800)));
      assertThat(creates(out).getFirst().timeout()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void aStepTimeoutDeletesTheJobAndEndsTheStepTimedOut() {
      FlowHarness run = new FlowHarness(YAML.formatted(""));
      run.start();
      run.launched("a", 1, 1);
      List<Command> out = run.fire(Kind.STEP_TIMEOUT, "a", 1, 1800);
      assertThat(deletes(out)).containsExactly(new DeleteJob("a", 1, jobName("a", 1)));
      assertThat(timers(out, Kind.RETRY)).isEmpty();
      assertThat(run.step("a").state).isEqualTo(StepState.TimedOut);
      assertThat(run.step("a").timeouts).isEqualTo(1);
      assertThat(run.step("a").message)
          .contains("ran past its timeout of 30m")
          .contains("timeout retries used: 0");
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.step("b").state).isEqualTo(StepState.Stopped);
    }

    @Test
    void theFailureOfTheDeletedJobIsIgnored() {
      FlowHarness run = new FlowHarness(YAML.formatted("retry: {timeouts: 1},"));
      run.start();
      run.fire(Kind.STEP_TIMEOUT, "a", 1, 1800);
      assertThat(run.fail("a", 1, FailureKind.PLATFORM, 1801)).isEmpty();
      assertThat(run.step("a").platformErrors).isNull();
    }

    @Test
    void withTimeoutRetriesTheStepIsRetriedWithANewTimeout() {
      FlowHarness run =
          new FlowHarness(
              YAML.formatted("retry: {timeouts: 1, backoff: {type: fixed, delay: 10s}},"));
      run.start();
      List<Command> out = run.fire(Kind.STEP_TIMEOUT, "a", 1, 1800);
      assertThat(run.step("a").state).isEqualTo(StepState.Retrying);
      assertThat(timers(out, Kind.RETRY))
          .containsExactly(new SetTimer(new TimerKey(Kind.RETRY, "a", 1), at(1810)));
      out = run.fire(Kind.RETRY, "a", 1, 1810);
      assertThat(created(out)).containsExactly("a#2");
      assertThat(timers(out, Kind.STEP_TIMEOUT))
          .containsExactly(new SetTimer(new TimerKey(Kind.STEP_TIMEOUT, "a", 2), at(1810 + 1800)));
      run.fire(Kind.STEP_TIMEOUT, "a", 2, 3610);
      assertThat(run.step("a").state).isEqualTo(StepState.TimedOut);
    }

    @Test
    void aTimedOutStepUnderIgnoreFailureLetsDependentsRun() {
      FlowHarness run = new FlowHarness(YAML.formatted("failureMode: IGNORE_FAILURE,"));
      run.start();
      assertThat(created(run.fire(Kind.STEP_TIMEOUT, "a", 1, 1800))).containsExactly("b#1");
      assertThat(run.step("a").state).isEqualTo(StepState.CompletedWithError);
    }

    @Test
    void aTimeoutUnderFailImmediatelyDeletesTheTimedOutJobOnce() {
      FlowHarness run =
          new FlowHarness(
              """
              steps:
                - {id: a, timeout: 1m, failureMode: FAIL_IMMEDIATELY, job: {image: busybox}}
                - {id: b, job: {image: busybox}}
              """);
      run.start();
      List<Command> out = run.fire(Kind.STEP_TIMEOUT, "a", 1, 60);
      assertThat(deletes(out))
          .containsExactlyInAnyOrder(
              new DeleteJob("a", 1, jobName("a", 1)), new DeleteJob("b", 1, jobName("b", 1)));
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
    }
  }
}
