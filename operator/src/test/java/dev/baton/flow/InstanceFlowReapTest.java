package dev.baton.flow;

import static dev.baton.flow.FlowHarness.at;
import static dev.baton.flow.FlowHarness.creates;
import static dev.baton.flow.FlowHarness.deletes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.flow.Command.DeleteJob;
import dev.baton.flow.FlowEvent.ActiveJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reaping: a Job that still runs and should not (an older attempt's, an ended step's, an ended
 * iteration's) is deleted again on every observation; the current attempt's never is. And every
 * Job's deadline is at most what the run has left.
 */
class InstanceFlowReapTest {
  static final String YAML =
      """
      timeout: 1h
      steps:
        - {id: a, timeout: 2h, retry: {backoff: {type: fixed, delay: 10s}}, job: {image: busybox}}
        - {id: b, job: {image: busybox}}
        - id: days
          type: foreach
          foreach: {over: [{name: day, expr: "[1, 2]"}]}
          steps:
            - {id: work, job: {image: busybox}}
      """;

  final FlowHarness run = new FlowHarness(YAML);

  static ActiveJob active(String step, int attempt) {
    return new ActiveJob(step, attempt, "job-" + step + "-" + attempt);
  }

  List<Command> observe(double t, ActiveJob... jobs) {
    return run.handle(new FlowEvent.WorkloadsObserved(Map.of(), List.of(jobs), at(t)));
  }

  @Test
  void theCurrentAttemptsJobIsNeverReaped() {
    run.start();
    run.launched("a", 1, 1);
    assertThat(deletes(observe(2, active("a", 1), active("b", 1), active("days.0.work", 1))))
        .isEmpty();
  }

  @Test
  void anOlderAttemptsJobStillRunningIsDeleted() {
    run.start();
    run.launched("a", 1, 1);
    run.fail("a", 1, 2);
    run.fire(TimerKey.Kind.RETRY, "a", 1, 12);
    assertThat(deletes(observe(13, active("a", 1), active("a", 2))))
        .containsExactly(new DeleteJob("a", 1, "job-a-1"));
  }

  @Test
  void theJobOfAStepThatEndedOrWaitsToRetryIsDeletedAgain() {
    run.start();
    run.succeed("b", 1, 1);
    run.fail("a", 1, 2);
    assertThat(deletes(observe(3, active("a", 1), active("b", 1))))
        .containsExactlyInAnyOrder(
            new DeleteJob("a", 1, "job-a-1"), new DeleteJob("b", 1, "job-b-1"));
  }

  @Test
  void theJobOfAnIterationThatIsOverIsDeleted() {
    run.start();
    run.succeed("days.0.work", 1, 1);
    assertThat(deletes(observe(2, active("days.0.work", 1), active("days.1.work", 1))))
        .containsExactly(new DeleteJob("days.0.work", 1, "job-days.0.work-1"));
  }

  @Test
  void aJobOfAnAttemptNewerThanTheEngineKnowsIsLeftAlone() {
    run.start();
    assertThat(deletes(observe(2, active("a", 5)))).isEmpty();
  }

  @Test
  void everyJobCarriesTheRunsDeadline() {
    List<Command> out = run.start();
    assertThat(creates(out))
        .allSatisfy(
            c -> assertThat(c.runDeadline()).isEqualTo(FlowHarness.T0.plus(Duration.ofHours(1))));
    run.operatorRestart(run.writtenStatus());
    List<Command> resumed = run.handle(new FlowEvent.Resume(Map.of(), at(600)));
    assertThat(creates(resumed))
        .isNotEmpty()
        .allSatisfy(
            c -> assertThat(c.runDeadline()).isEqualTo(FlowHarness.T0.plus(Duration.ofHours(1))));
  }
}
