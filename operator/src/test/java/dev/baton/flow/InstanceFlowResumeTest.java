package dev.baton.flow;

import static dev.baton.flow.FlowHarness.T0;
import static dev.baton.flow.FlowHarness.at;
import static dev.baton.flow.FlowHarness.created;
import static dev.baton.flow.FlowHarness.creates;
import static dev.baton.flow.FlowHarness.jobName;
import static dev.baton.flow.FlowHarness.timers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.TimerKey.Kind;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An operator restart: the engine is rebuilt from the last status it wrote ({@code restore}) and
 * told which Jobs exist ({@code Resume}). It must neither lose a step nor run one twice.
 */
class InstanceFlowResumeTest {
  static final String YAML =
      """
      steps:
        - {id: a, retry: {backoff: {type: fixed, delay: 10s}}, job: {image: busybox}}
        - {id: b, dependsOn: [a], job: {image: busybox, args: ["--rows=${steps.a.outputs.rows}"]}}
        - {id: c, dependsOn: [a], retry: {backoff: {type: fixed, delay: 10s}}, job: {image: busybox}}
        - {id: d, dependsOn: [b, c], job: {image: busybox}}
      """;

  final FlowHarness run = new FlowHarness(YAML);

  List<Command> resume(Map<String, Integer> jobs, double t) {
    return run.handle(new FlowEvent.Resume(jobs, at(t)));
  }

  @Test
  void aRunningStepWhoseJobExistsStaysRunning() {
    run.start();
    run.launched("a", 1, 1);
    run.operatorRestart(run.writtenStatus());
    List<Command> out = resume(Map.of("a", 1), 100);
    assertThat(creates(out)).isEmpty();
    assertThat(run.step("a").state).isEqualTo(StepState.Running);
    assertThat(run.step("a").attempt).isEqualTo(1);
    assertThat(created(run.succeed("a", 1, "{\"rows\": 3}", 101)))
        .containsExactlyInAnyOrder("b#1", "c#1");
  }

  @Test
  void theWorkflowTimeoutIsArmedAgainFromTheOriginalStart() {
    run.start();
    run.operatorRestart(run.writtenStatus());
    assertThat(timers(resume(Map.of("a", 1), 100), Kind.WORKFLOW_TIMEOUT))
        .containsExactly(new SetTimer(TimerKey.workflowTimeout(), T0.plus(Duration.ofDays(10))));
  }

  @Test
  void anAdoptedJobKeepsTheStepTimeoutOfItsOriginalStart() {
    FlowHarness timed =
        new FlowHarness("steps:\n  - {id: a, timeout: 60s, job: {image: busybox}}\n");
    List<Command> first = new java.util.ArrayList<>(timed.start());
    first.addAll(timed.launched("a", 1, 1));
    List<SetTimer> armed = timers(first, Kind.STEP_TIMEOUT);
    assertThat(armed).singleElement();
    timed.operatorRestart(timed.writtenStatus());
    // 40 s later, the same deadline: not 60 s from the restart.
    assertThat(
            timers(timed.handle(new FlowEvent.Resume(Map.of("a", 1), at(40))), Kind.STEP_TIMEOUT))
        .containsExactlyElementsOf(armed);
    assertThat(armed.getFirst().at()).isBefore(at(61));
  }

  @Test
  void aLaunchingStepWithNoJobIsCreatedAgainUnderTheSameName() {
    run.start();
    run.operatorRestart(run.writtenStatus());
    List<Command> out = resume(Map.of(), 5);
    assertThat(creates(out))
        .singleElement()
        .satisfies(c -> {
          assertThat(c.attempt()).isEqualTo(1);
          assertThat(c.jobName()).isEqualTo(jobName("a", 1));
        });
    assertThat(run.step("a").state).isEqualTo(StepState.Launching);
  }

  @Test
  void anAttemptKeepsTheNameItWasGivenAcrossAnUpgradeThatChangedNames() {
    run.start();
    WorkflowInstanceStatus written = run.writtenStatus();
    written.steps.get("a").jobName = "run-1-a-1-0a1b2c3d"; // named by an older version
    run.operatorRestart(written);
    List<Command> out = resume(Map.of(), 10);
    assertThat(creates(out))
        .singleElement()
        .satisfies(c -> assertThat(c.jobName()).isEqualTo("run-1-a-1-0a1b2c3d"));
    assertThat(run.step("a").jobName).isEqualTo("run-1-a-1-0a1b2c3d");
    run.launched("a", 1, 11);
    run.fail("a", 1, 12);
    // A new attempt gets a name of today's scheme.
    assertThat(creates(run.fire(Kind.RETRY, "a", 1, 22)))
        .singleElement()
        .satisfies(c -> assertThat(c.jobName()).isEqualTo(jobName("a", 2)));
  }

  @Test
  void aLaunchingStepWhoseJobExistsIsRunning() {
    run.start();
    run.operatorRestart(run.writtenStatus());
    assertThat(creates(resume(Map.of("a", 1), 5))).isEmpty();
    assertThat(run.step("a").state).isEqualTo(StepState.Running);
  }

  @Test
  void aJobOfANewerAttemptThanTheStatusKnowsIsAdopted() {
    run.start();
    run.fail("a", 1, 5);
    WorkflowInstanceStatus written = run.writtenStatus(); // a Retrying after attempt 1
    run.fire(Kind.RETRY, "a", 1, 15); // the old operator created attempt 2, then died
    run.operatorRestart(written);
    List<Command> out = resume(Map.of("a", 2), 20);
    assertThat(creates(out)).isEmpty();
    assertThat(run.step("a").state).isEqualTo(StepState.Running);
    assertThat(run.step("a").attempt).isEqualTo(2);
    assertThat(run.step("a").jobName).isEqualTo(jobName("a", 2));
    assertThat(run.step("a").message).contains("recovered");
    assertThat(created(run.succeed("a", 2, "{\"rows\": 1}", 30)))
        .containsExactlyInAnyOrder("b#1", "c#1");
  }

  @Test
  void aWaitingStepWhoseJobWasCreatedIsAdopted() {
    run.start();
    WorkflowInstanceStatus written = run.writtenStatus();
    written.steps.get("a").state = StepState.Waiting; // written before the launch was recorded
    written.steps.get("a").attempt = 0;
    run.operatorRestart(written);
    assertThat(creates(resume(Map.of("a", 1), 5))).isEmpty();
    assertThat(run.step("a").state).isEqualTo(StepState.Running);
    assertThat(run.step("a").attempt).isEqualTo(1);
  }

  @Test
  void aRetryingStepGetsItsRetryTimerBack() {
    run.start();
    run.fail("a", 1, 5);
    run.operatorRestart(run.writtenStatus());
    List<Command> out = resume(Map.of("a", 1), 12);
    assertThat(creates(out)).isEmpty();
    assertThat(timers(out, Kind.RETRY))
        .containsExactly(new SetTimer(new TimerKey(Kind.RETRY, "a", 1), at(15)));
    assertThat(created(run.fire(Kind.RETRY, "a", 1, 15))).containsExactly("a#2");
  }

  @Test
  void aRetryDueWhileNoOperatorRanLaunchesAtOnceWithoutATimer() {
    run.start();
    run.launched("a", 1, 1);
    run.fail("a", 1, 5); // retry at 15
    run.operatorRestart(run.writtenStatus());
    List<Command> out = resume(Map.of("a", 1), 20);
    assertThat(created(out)).containsExactly("a#2");
    assertThat(timers(out, Kind.RETRY)).isEmpty();
    assertThat(run.step("a").state).isEqualTo(StepState.Launching);
    // The timer of the old operator, should it still fire, changes nothing.
    assertThat(created(run.fire(Kind.RETRY, "a", 1, 21))).isEmpty();
  }

  @Test
  void aSleepDueWhileNoOperatorRanEndsAtOnce() {
    FlowHarness sleepy =
        new FlowHarness(
            "steps: [{id: nap, type: sleep, sleep: 1h}, {id: after, dependsOn: [nap], job: {image: busybox}}]");
    sleepy.start();
    sleepy.operatorRestart(sleepy.writtenStatus());
    List<Command> out = sleepy.handle(new FlowEvent.Resume(Map.of(), at(4000)));
    assertThat(timers(out, Kind.SLEEP)).isEmpty();
    assertThat(sleepy.step("nap").state).isEqualTo(StepState.Succeeded);
    assertThat(created(out)).containsExactly("after#1");
  }

  @Test
  void aRunningStepWhoseJobIsGoneIsAPlatformFailure() {
    run.start();
    run.launched("a", 1, 1);
    run.operatorRestart(run.writtenStatus());
    List<Command> out = resume(Map.of(), 100);
    assertThat(creates(out)).isEmpty();
    assertThat(run.step("a").state).isEqualTo(StepState.Retrying);
    assertThat(run.step("a").platformErrors).isEqualTo(1);
    assertThat(run.step("a").userErrors).isNull();
    assertThat(run.step("a").message).contains("the Job of attempt 1 is gone");
    assertThat(timers(out, Kind.RETRY))
        .containsExactly(new SetTimer(new TimerKey(Kind.RETRY, "a", 1), at(110)));
  }

  @Test
  void waitingStepsWhoseDependenciesAreDoneLaunch() {
    run.start();
    run.succeed("a", 1, "{\"rows\": 7}", 2);
    WorkflowInstanceStatus written = run.writtenStatus();
    written.steps.remove("b"); // a status written before b and c were recorded
    written.steps.remove("c");
    run.operatorRestart(written);
    List<Command> out = resume(Map.of("a", 1), 10);
    assertThat(created(out)).containsExactlyInAnyOrder("b#1", "c#1");
    // a's outputs came back with the status, so b still renders.
    assertThat(
            creates(out).stream()
                .filter(c -> c.stepId().equals("b"))
                .findFirst()
                .orElseThrow()
                .args())
        .containsExactly("--rows=7");
  }

  @Test
  void aSleepingStepGetsItsTimerBack() {
    FlowHarness sleepy = new FlowHarness("steps: [{id: nap, type: sleep, sleep: 1h}]");
    sleepy.start();
    sleepy.operatorRestart(sleepy.writtenStatus());
    List<Command> out = sleepy.handle(new FlowEvent.Resume(Map.of(), at(60)));
    assertThat(timers(out, Kind.SLEEP))
        .containsExactly(new SetTimer(new TimerKey(Kind.SLEEP, "nap", 1), at(3600)));
    sleepy.fire(Kind.SLEEP, "nap", 1, 3600);
    assertThat(sleepy.flow.phase()).isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void aFinishedRunStaysFinished() {
    FlowHarness noop = new FlowHarness("steps: [{id: a, type: noop}]");
    noop.start();
    noop.operatorRestart(noop.writtenStatus());
    assertThat(noop.handle(new FlowEvent.Resume(Map.of(), at(5)))).isEmpty();
    assertThat(noop.flow.phase()).isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void aRunThatNeverStartedStartsOnResume() {
    run.operatorRestart(run.writtenStatus());
    assertThat(created(resume(Map.of(), 5))).containsExactly("a#1");
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Running);
  }

  @Test
  void aRestoredFailureStillFailsTheRunOnceTheSiblingsFinish() {
    FlowHarness failing =
        new FlowHarness(
            """
            steps:
              - {id: a, retry: {userErrors: 0}, job: {image: busybox}}
              - {id: b, job: {image: busybox}}
              - {id: c, dependsOn: [b], job: {image: busybox}}
            """);
    failing.start();
    failing.fail("a", 1, 5);
    failing.operatorRestart(failing.writtenStatus());
    assertThat(creates(failing.handle(new FlowEvent.Resume(Map.of("a", 1, "b", 1), at(10)))))
        .isEmpty();
    assertThat(creates(failing.succeed("b", 1, 11))).isEmpty();
    assertThat(failing.flow.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(failing.step("c").state).isEqualTo(StepState.Stopped);
  }

  /**
   * The runtime below executes every CreateJob it is handed (so the cluster holds exactly the Jobs
   * created), and the operator dies after a status write that missed some of its later work.
   */
  @Test
  void acrossARestartNoJobIsCreatedTwice() {
    Map<String, Integer> cluster = new HashMap<>();
    Set<String> jobs = new HashSet<>();
    java.util.function.Consumer<List<Command>> apply =
        out ->
            creates(out)
                .forEach(c -> {
                  assertThat(jobs.add(c.jobName())).as("%s created twice", c.jobName()).isTrue();
                  cluster.merge(c.stepId(), c.attempt(), Math::max);
                });

    // First lifetime.
    apply.accept(run.start());
    run.launched("a", 1, 1);
    apply.accept(run.succeed("a", 1, "{\"rows\": 2}", 2)); // b#1, c#1
    run.launched("b", 1, 3);
    WorkflowInstanceStatus written = run.writtenStatus(); // b Running, c Launching
    run.launched("c", 1, 4);
    run.fail("c", 1, 5);
    apply.accept(run.fire(Kind.RETRY, "c", 1, 15)); // c#2
    run.launched("c", 2, 16);
    // The operator dies here; the last status it wrote is `written`.

    run.operatorRestart(written);
    apply.accept(resume(Map.copyOf(cluster), 20));
    assertThat(run.step("b").state).isEqualTo(StepState.Running);
    assertThat(run.step("c").state).isEqualTo(StepState.Running);
    assertThat(run.step("c").attempt).isEqualTo(2);
    apply.accept(run.succeed("b", 1, 21));
    apply.accept(run.succeed("c", 2, 22));
    apply.accept(run.succeed("d", 1, 23));

    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    assertThat(created(run.all)).containsExactly("a#1", "b#1", "c#1", "c#2", "d#1");
    assertThat(created(run.all)).doesNotHaveDuplicates();
  }
}
