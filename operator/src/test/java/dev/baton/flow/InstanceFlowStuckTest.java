package dev.baton.flow;

import static dev.baton.flow.FlowHarness.at;
import static dev.baton.flow.FlowHarness.created;
import static dev.baton.flow.FlowHarness.deletes;
import static dev.baton.flow.FlowHarness.jobName;
import static dev.baton.flow.FlowHarness.timers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.StepState;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.TimerKey.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pods that never run: shown on the step at once, failed as a platform error after pendingTimeout.
 */
class InstanceFlowStuckTest {
  final FlowHarness run =
      new FlowHarness(
          """
          pendingTimeout: 2m
          steps:
            - id: a
              retry: {platformErrors: 1}
              job: {image: nope}
            - id: b
              pendingTimeout: 30s
              job: {image: busybox}
          """);

  List<Command> stuck(String step, int attempt, String reason, double since, double t) {
    return run.handle(
        new FlowEvent.StepStuck(
            step,
            attempt,
            reason,
            reason == null ? null : "Back-off pulling image",
            at(since),
            at(t)));
  }

  @Test
  void aStuckPodIsShownOnTheStepAndArmsThePendingDeadline() {
    run.start();
    run.launched("a", 1, 1);
    List<Command> out = stuck("a", 1, "ImagePullBackOff", 2, 3);
    assertThat(run.step("a").state).isEqualTo(StepState.Running);
    assertThat(run.step("a").message)
        .startsWith("pod stuck: ImagePullBackOff: Back-off pulling image; the attempt fails at");
    assertThat(timers(out, Kind.STUCK))
        .containsExactly(new SetTimer(new TimerKey(Kind.STUCK, "a", 1), at(122)));
    assertThat(timers(stuck("a", 1, "ImagePullBackOff", 2, 10))).isEmpty();
  }

  @Test
  void aStillStuckPodFailsTheAttemptAsAPlatformErrorAndDeletesItsJob() {
    run.start();
    run.launched("a", 1, 1);
    stuck("a", 1, "ImagePullBackOff", 2, 3);
    List<Command> out = run.fire(Kind.STUCK, "a", 1, 122);
    assertThat(deletes(out))
        .extracting(Command.DeleteJob::jobName)
        .containsExactly(jobName("a", 1));
    var a = run.step("a");
    assertThat(a.state).isEqualTo(StepState.Retrying);
    assertThat(a.platformErrors).isEqualTo(1);
    assertThat(a.message)
        .startsWith("attempt 1 failed: pod stuck: ImagePullBackOff: Back-off pulling image");
    assertThat(created(run.fire(Kind.RETRY, "a", 1, 200))).containsExactly("a#2");
  }

  @Test
  void aPodThatStartsRunningIsNoLongerStuck() {
    run.start();
    run.launched("a", 1, 1);
    stuck("a", 1, "ImagePullBackOff", 2, 3);
    run.handle(new FlowEvent.StepStarted("a", 1, at(30)));
    assertThat(run.step("a").message).isNull();
    assertThat(deletes(run.fire(Kind.STUCK, "a", 1, 122))).isEmpty();
    assertThat(run.step("a").state).isEqualTo(StepState.Running);
  }

  @Test
  void aTimerOfAnEarlierSpellIsIgnored() {
    run.start();
    run.launched("a", 1, 1);
    stuck("a", 1, "Unschedulable", 2, 3);
    stuck("a", 1, null, 0, 60);
    stuck("a", 1, "Unschedulable", 100, 100);
    assertThat(deletes(run.fire(Kind.STUCK, "a", 1, 122))).isEmpty();
    assertThat(deletes(run.fire(Kind.STUCK, "a", 1, 220))).hasSize(1);
  }

  @Test
  void theStepsOwnPendingTimeoutWins() {
    run.start();
    List<Command> out = stuck("b", 1, "Unschedulable", 1, 2);
    assertThat(timers(out, Kind.STUCK))
        .containsExactly(new SetTimer(new TimerKey(Kind.STUCK, "b", 1), at(31)));
  }

  @Test
  void anInvalidImageNameFailsAtOnce() {
    run.start();
    run.launched("a", 1, 1);
    List<Command> out = stuck("a", 1, "InvalidImageName", 2, 3);
    assertThat(deletes(out)).hasSize(1);
    assertThat(run.step("a").state).isEqualTo(StepState.Retrying);
    assertThat(run.step("a").platformErrors).isEqualTo(1);
  }

  @Test
  void reportsAboutAnOldAttemptAreIgnored() {
    run.start();
    run.launched("a", 1, 1);
    run.fail("a", 1, FailureKind.PLATFORM, 2);
    run.fire(Kind.RETRY, "a", 1, 20);
    assertThat(timers(stuck("a", 1, "ImagePullBackOff", 2, 21))).isEmpty();
    assertThat(run.step("a").message).isNull();
  }
}
