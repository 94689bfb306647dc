package dev.baton.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.LoopStatus;
import dev.baton.api.RestartFrom;
import dev.baton.api.RestartRequest;
import dev.baton.api.RunRecord;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.StepType;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.Specs;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RestartsTest {
  static final Instant NOW = Instant.parse("2024-05-02T00:00:00Z");

  /** a -> b -> d, a -> c; e stands alone. */
  static final CompiledWorkflow WF =
      Specs.compile(
          """
          steps:
            - {id: a, job: {image: busybox}}
            - {id: b, dependsOn: [a], job: {image: busybox}}
            - {id: c, dependsOn: [a], job: {image: busybox}}
            - {id: d, dependsOn: [b], job: {image: busybox}}
            - {id: e, job: {image: busybox}}
          """);

  static StepStatus step(StepState state, int attempt) {
    StepStatus s = new StepStatus();
    s.state = state;
    s.attempt = attempt;
    s.jobName = "job-" + attempt;
    s.startTime = "2024-05-01T00:00:00Z";
    s.endTime = "2024-05-01T00:01:00Z";
    s.message = state + " at attempt " + attempt;
    if (state == StepState.Failed) {
      s.userErrors = 2;
      s.platformErrors = 1;
      s.exitCode = 3;
    }
    return s;
  }

  /** Run 1 failed at b: a, c, e are done, d never started. */
  static WorkflowInstanceStatus failedAtB() {
    WorkflowInstanceStatus st = new WorkflowInstanceStatus();
    st.phase = InstancePhase.Failed;
    st.startTime = "2024-05-01T00:00:00Z";
    st.endTime = "2024-05-01T00:05:00Z";
    st.message = "step \"b\" failed: exit code 3";
    st.definitionHash = WF.hash();
    st.definition = Json.toTree(WF.spec());
    st.params = Map.of("date", Json.toTree("2024-05-01"));
    st.steps = new LinkedHashMap<>();
    st.steps.put("a", step(StepState.Succeeded, 1));
    st.steps.put("b", step(StepState.Failed, 3));
    st.steps.put("c", step(StepState.Succeeded, 2));
    st.steps.put("d", step(StepState.Stopped, 0));
    st.steps.put("e", step(StepState.Skipped, 0));
    Conditions.set(
        st.conditions, "Completed", true, "Failed", st.message, 1L, NOW.minusSeconds(60));
    Conditions.set(st.conditions, "Valid", true, "Valid", "", 1L, NOW.minusSeconds(600));
    return st;
  }

  static RestartRequest req(int run, RestartFrom from, String step) {
    RestartRequest r = new RestartRequest();
    r.run = run;
    r.from = from;
    r.step = step;
    return r;
  }

  static Map<String, StepState> states(WorkflowInstanceStatus st) {
    Map<String, StepState> m = new LinkedHashMap<>();
    st.steps.forEach((id, s) -> m.put(id, s.state));
    return m;
  }

  @Test
  void incompleteKeepsSucceededAndSkippedStepsAndResetsTheRest() {
    WorkflowInstanceStatus old = failedAtB();
    WorkflowInstanceStatus next = Restarts.apply(old, req(2, null, null), WF, NOW);

    assertThat(states(next))
        .containsOnly(
            Map.entry("a", StepState.Succeeded),
            Map.entry("b", StepState.Waiting),
            Map.entry("c", StepState.Succeeded),
            Map.entry("d", StepState.Waiting),
            Map.entry("e", StepState.Skipped));
    // Kept steps are kept whole, outputs and times included.
    assertThat(Json.toTree(next.steps.get("a"))).isEqualTo(Json.toTree(old.steps.get("a")));
    StepStatus b = next.steps.get("b");
    assertThat(b.userErrors).isNull();
    assertThat(b.platformErrors).isNull();
    assertThat(b.exitCode).isNull();
    assertThat(b.message).isNull();
    assertThat(b.startTime).isNull();
    assertThat(b.endTime).isNull();
    assertThat(b.jobName).isNull();
  }

  @Test
  void theNextRunIsQueuedWithThePinnedDefinitionAndParams() {
    WorkflowInstanceStatus old = failedAtB();
    WorkflowInstanceStatus next =
        Restarts.apply(old, req(2, RestartFrom.Incomplete, null), WF, NOW);

    assertThat(next.run).isEqualTo(2);
    assertThat(next.phase).isEqualTo(InstancePhase.Queued);
    assertThat(next.startTime).isNull();
    assertThat(next.endTime).isNull();
    assertThat(next.definition).isEqualTo(old.definition);
    assertThat(next.definitionHash).isEqualTo(old.definitionHash);
    assertThat(next.params).isEqualTo(old.params);
    assertThat(next.progress).isEqualTo("3/5");
    var completed = Conditions.find(next.conditions, "Completed");
    assertThat(completed.getStatus()).isEqualTo("False");
    assertThat(completed.getReason()).isEqualTo("Restarted");
    assertThat(Conditions.find(next.conditions, "Valid")).isNotNull();
    assertThat(Conditions.find(next.conditions, Restarts.RESTARTED).getMessage())
        .isEqualTo("run 2 from Incomplete");
  }

  @Test
  void theOldStatusIsNotModified() {
    WorkflowInstanceStatus old = failedAtB();
    String before = Json.write(old);
    Restarts.apply(old, req(2, RestartFrom.Beginning, null), WF, NOW);
    assertThat(Json.write(old)).isEqualTo(before);
  }

  @Test
  void resetStepsKeepTheirAttemptSoTheNextJobHasANewName() {
    WorkflowInstanceStatus next =
        Restarts.apply(failedAtB(), req(2, RestartFrom.Beginning, null), WF, NOW);

    assertThat(next.steps.get("a").attempt).isEqualTo(1);
    assertThat(next.steps.get("b").attempt).isEqualTo(3);
    assertThat(next.steps.get("c").attempt).isEqualTo(2);
    assertThat(next.steps.get("d").attempt).isZero();
  }

  @Test
  void theEngineLaunchesAResetStepAtTheAttemptAfterTheOldRunsLast() {
    FlowHarness h = new FlowHarness(WF, Map.of());
    WorkflowInstanceStatus next =
        Restarts.apply(failedAtB(), req(2, RestartFrom.Incomplete, null), WF, NOW);
    // The engine never sees a queued run: the reconciler hands it over as Pending.
    next.phase = InstancePhase.Pending;
    h.flow.restore(next);

    List<Command> out = h.handle(new FlowEvent.Start(NOW));

    assertThat(FlowHarness.created(out)).containsExactly("b#4");
    assertThat(FlowHarness.creates(out).getFirst().jobName())
        .isEqualTo(JobNames.of(FlowHarness.INSTANCE, "b", 4));
  }

  @Test
  void beginningResetsEveryStep() {
    WorkflowInstanceStatus next =
        Restarts.apply(failedAtB(), req(2, RestartFrom.Beginning, null), WF, NOW);

    assertThat(next.steps.values())
        .allSatisfy(s -> assertThat(s.state).isEqualTo(StepState.Waiting));
    assertThat(next.progress).isEqualTo("0/5");
    assertThat(Conditions.find(next.conditions, Restarts.RESTARTED).getReason())
        .isEqualTo("Beginning");
  }

  @Test
  void fromAStepResetsItAndEverythingDownstreamAndWhatDidNotSucceed() {
    WorkflowInstanceStatus old = failedAtB();
    old.steps.put("b", step(StepState.Succeeded, 1));
    old.steps.put("d", step(StepState.Failed, 2));
    old.steps.put("e", step(StepState.Failed, 1));

    WorkflowInstanceStatus next = Restarts.apply(old, req(2, RestartFrom.Step, "a"), WF, NOW);
    assertThat(states(next))
        .containsOnly(
            Map.entry("a", StepState.Waiting),
            Map.entry("b", StepState.Waiting),
            Map.entry("c", StepState.Waiting),
            Map.entry("d", StepState.Waiting),
            Map.entry("e", StepState.Waiting));

    next = Restarts.apply(old, req(2, RestartFrom.Step, "b"), WF, NOW);
    assertThat(states(next))
        .containsOnly(
            Map.entry("a", StepState.Succeeded),
            Map.entry("b", StepState.Waiting),
            Map.entry("c", StepState.Succeeded),
            Map.entry("d", StepState.Waiting),
            Map.entry("e", StepState.Waiting));
    assertThat(Conditions.find(next.conditions, Restarts.RESTARTED).getMessage())
        .isEqualTo("run 2 from Step:b");
  }

  @Test
  void aStepThatCompletedWithErrorRunsAgainFromIncomplete() {
    WorkflowInstanceStatus old = failedAtB();
    old.steps.put("c", step(StepState.CompletedWithError, 1));
    assertThat(Restarts.apply(old, req(2, null, null), WF, NOW).steps.get("c").state)
        .isEqualTo(StepState.Waiting);
  }

  @Test
  void theOldRunGoesIntoTheHistory() {
    WorkflowInstanceStatus old = failedAtB();
    old.rollup = new dev.baton.api.Rollup();
    old.rollup.total = 5L;
    old.rollup.done = 5L;

    WorkflowInstanceStatus next = Restarts.apply(old, req(2, null, null), WF, NOW);

    assertThat(next.history).hasSize(1);
    RunRecord r = next.history.getFirst();
    assertThat(r.run).isEqualTo(1);
    assertThat(r.phase).isEqualTo(InstancePhase.Failed);
    assertThat(r.startTime).isEqualTo(old.startTime);
    assertThat(r.endTime).isEqualTo(old.endTime);
    assertThat(r.message).isEqualTo(old.message);
    assertThat(r.restartedFrom).isNull();
    assertThat(r.steps)
        .containsOnly(
            Map.entry("a", "Succeeded/1"),
            Map.entry("b", "Failed/3"),
            Map.entry("c", "Succeeded/2"),
            Map.entry("d", "Stopped/0"),
            Map.entry("e", "Skipped/0"));
    assertThat(r.rollup.total).isEqualTo(5L);
  }

  @Test
  void aRecordSaysHowItsRunWasStarted() {
    WorkflowInstanceStatus run2 =
        Restarts.apply(failedAtB(), req(2, RestartFrom.Step, "b"), WF, NOW);
    run2.phase = InstancePhase.Stopped;

    WorkflowInstanceStatus run3 = Restarts.apply(run2, req(3, null, null), WF, NOW);

    assertThat(run3.run).isEqualTo(3);
    assertThat(run3.history).extracting(r -> r.run).containsExactly(1, 2);
    assertThat(run3.history).extracting(r -> r.restartedFrom).containsExactly(null, "Step:b");
    assertThat(Conditions.find(run3.conditions, Restarts.RESTARTED).getMessage())
        .isEqualTo("run 3 from Incomplete");
  }

  @Test
  void theHistoryKeepsTheLatestTwentyRuns() {
    WorkflowInstanceStatus st = failedAtB();
    for (int run = 2; run <= 25; run++) {
      st = Restarts.apply(st, req(run, RestartFrom.Beginning, null), WF, NOW);
      st.phase = InstancePhase.Failed;
    }
    assertThat(st.run).isEqualTo(25);
    assertThat(st.history).hasSize(Restarts.HISTORY_LIMIT);
    assertThat(st.history).extracting(r -> r.run).startsWith(5).endsWith(24);
  }

  @Test
  void aStatusWithoutARunNumberIsRunOne() {
    WorkflowInstanceStatus old = failedAtB();
    old.run = null;
    assertThat(Restarts.run(old)).isEqualTo(1);
    assertThat(Restarts.apply(old, req(2, null, null), WF, NOW).run).isEqualTo(2);
  }

  @Test
  void refusesARunNumberThatIsNotTheNext() {
    WorkflowInstanceStatus old = failedAtB();
    old.run = 2;
    assertThat(Restarts.refusal(old, req(5, null, null), WF))
        .isEqualTo("spec.restart.run is 5 but the next run is 3: set spec.restart.run to 3");
    assertThatThrownBy(() -> Restarts.apply(old, req(5, null, null), WF, NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("next run is 3");
  }

  @Test
  void refusesARunNotFinishedYet() {
    WorkflowInstanceStatus old = failedAtB();
    old.phase = InstancePhase.Running;
    assertThat(Restarts.refusal(old, req(2, null, null), WF))
        .contains("run 1 is Running")
        .contains("waits for it to end");
  }

  @Test
  void refusesAStepThatIsNotTopLevel() {
    assertThat(Restarts.refusal(failedAtB(), req(2, RestartFrom.Step, "nope"), WF))
        .isEqualTo(
            "spec.restart.step \"nope\" is not a top-level step of the definition this instance runs (steps: a, b, c, d, e)");
  }

  @Test
  void refusesIncompleteWhenEveryStepSucceededButAllowsTheOtherModes() {
    WorkflowInstanceStatus old = failedAtB();
    old.phase = InstancePhase.Succeeded;
    old.steps.replaceAll((id, s) -> step(StepState.Succeeded, 1));

    assertThat(Restarts.refusal(old, req(2, null, null), WF)).contains("nothing is incomplete");
    assertThat(Restarts.refusal(old, req(2, RestartFrom.Beginning, null), WF)).isNull();
    assertThat(states(Restarts.apply(old, req(2, RestartFrom.Step, "d"), WF, NOW)))
        .containsEntry("b", StepState.Succeeded)
        .containsEntry("d", StepState.Waiting);
  }

  // ---- loops -------------------------------------------------------------------------------

  static final String LOOP_YAML =
      """
      steps:
        - {id: prep, job: {image: busybox}}
        - {id: days, dependsOn: [prep], job: {image: busybox}}
        - {id: report, dependsOn: [days], job: {image: busybox}}
      """;

  /** The compiler learns loops on another branch; the restart only reads a step's type. */
  static CompiledWorkflow loopWorkflow(StepType type) {
    CompiledWorkflow wf = Specs.compile(LOOP_YAML);
    wf.step("days").definition().type = type;
    return wf;
  }

  static WorkflowInstanceStatus loopFailed() {
    WorkflowInstanceStatus st = new WorkflowInstanceStatus();
    st.phase = InstancePhase.Failed;
    st.steps.put("prep", step(StepState.Succeeded, 1));
    StepStatus days = step(StepState.Failed, 1);
    LoopStatus loop = new LoopStatus();
    loop.total = 10L;
    loop.succeeded = "0-3,5,7-8";
    loop.unsuccessful = "4,6";
    loop.states = Map.of("Succeeded", 7L, "Failed", 2L, "Running", 1L);
    loop.errors = List.of("iteration 4 (day=2024-01-05): step \"work\" failed");
    loop.active = Map.of("9", new dev.baton.api.IterationStatus());
    loop.finishedLeaves = Map.of("Succeeded", 8L, "Failed", 2L);
    loop.last = Json.toTree(Map.of("work", Map.of("state", "Failed")));
    days.loop = loop;
    st.steps.put("days", days);
    st.steps.put("report", step(StepState.Stopped, 0));
    return st;
  }

  @Test
  void incompleteKeepsALoopsSucceededIterationsAndDropsTheRest() {
    WorkflowInstanceStatus next =
        Restarts.apply(loopFailed(), req(2, null, null), loopWorkflow(StepType.FOREACH), NOW);

    StepStatus days = next.steps.get("days");
    assertThat(days.state).isEqualTo(StepState.Waiting);
    assertThat(days.attempt).isEqualTo(1);
    LoopStatus loop = days.loop;
    assertThat(loop.succeeded).isEqualTo("0-3,5,7-8");
    assertThat(loop.total).isEqualTo(10L);
    assertThat(loop.states).containsExactly(Map.entry("Succeeded", 7L));
    assertThat(loop.unsuccessful).isNull();
    assertThat(loop.errors).isNull();
    assertThat(loop.active).isNull();
    // Succeeded and failed iterations' leaves are counted together: not told apart, so dropped.
    assertThat(loop.finishedLeaves).isNull();
    assertThat(loop.last).isNull();
  }

  @Test
  void aWhileLoopKeepsItsLastIterationAndHasNoTotalYet() {
    WorkflowInstanceStatus old = loopFailed();
    old.steps.get("days").loop.unsuccessful = null;
    LoopStatus loop =
        Restarts.apply(old, req(2, null, null), loopWorkflow(StepType.WHILE), NOW)
            .steps
            .get("days")
            .loop;

    assertThat(loop.total).isNull();
    assertThat(loop.last).isEqualTo(old.steps.get("days").loop.last);
    assertThat(loop.finishedLeaves)
        .containsExactlyInAnyOrderEntriesOf(Map.of("Succeeded", 8L, "Failed", 2L));
  }

  @Test
  void aLoopWithNothingSucceededStartsOver() {
    WorkflowInstanceStatus old = loopFailed();
    old.steps.get("days").loop.succeeded = null;
    assertThat(
            Restarts.apply(old, req(2, null, null), loopWorkflow(StepType.FOREACH), NOW)
                .steps
                .get("days")
                .loop)
        .isNull();
  }

  @Test
  void aLoopWhoseSucceededRecordIsUnreadableStartsOverInsteadOfCountingBackwards() {
    WorkflowInstanceStatus old = loopFailed();
    old.steps.get("days").loop.succeeded = "5-3";
    WorkflowInstanceStatus next =
        Restarts.apply(old, req(2, null, null), loopWorkflow(StepType.FOREACH), NOW);
    assertThat(next.steps.get("days").loop).isNull();
    assertThat(Restarts.rerunsIteration(next, "days.4.work")).isTrue();
  }

  @Test
  void beginningAndStepDropTheLoopRecordsOfTheStepsTheyRerun() {
    CompiledWorkflow wf = loopWorkflow(StepType.FOREACH);
    assertThat(
            Restarts.apply(loopFailed(), req(2, RestartFrom.Beginning, null), wf, NOW)
                .steps
                .get("days")
                .loop)
        .isNull();
    WorkflowInstanceStatus fromPrep =
        Restarts.apply(loopFailed(), req(2, RestartFrom.Step, "prep"), wf, NOW);
    assertThat(fromPrep.steps.get("days").loop).isNull();
    assertThat(fromPrep.steps.get("days").state).isEqualTo(StepState.Waiting);
    // From the last step: the loop is upstream and not Succeeded, so it reruns as from Incomplete.
    WorkflowInstanceStatus fromReport =
        Restarts.apply(loopFailed(), req(2, RestartFrom.Step, "report"), wf, NOW);
    assertThat(fromReport.steps.get("days").loop.succeeded).isEqualTo("0-3,5,7-8");
  }

  @Test
  void aSucceededLoopIsKeptWhole() {
    WorkflowInstanceStatus old = loopFailed();
    old.steps.get("days").state = StepState.Succeeded;
    old.steps.put("report", step(StepState.Failed, 1));
    WorkflowInstanceStatus next =
        Restarts.apply(old, req(2, null, null), loopWorkflow(StepType.FOREACH), NOW);
    assertThat(Json.toTree(next.steps.get("days"))).isEqualTo(Json.toTree(old.steps.get("days")));
  }

  @Test
  void theOldJobsOfIterationsThatRunAgainAreToGo() {
    CompiledWorkflow wf = loopWorkflow(StepType.FOREACH);
    WorkflowInstanceStatus incomplete = Restarts.apply(loopFailed(), req(2, null, null), wf, NOW);
    assertThat(Restarts.rerunsIteration(incomplete, "days.4.work")).isTrue();
    assertThat(Restarts.rerunsIteration(incomplete, "days.9.inner.0.work")).isTrue();
    assertThat(Restarts.rerunsIteration(incomplete, "days.5.work")).isFalse();
    assertThat(Restarts.rerunsIteration(incomplete, "days.8.work")).isFalse();
    // Top-level steps keep counting attempts: their old Jobs never collide.
    assertThat(Restarts.rerunsIteration(incomplete, "days")).isFalse();
    assertThat(Restarts.rerunsIteration(incomplete, "prep")).isFalse();

    WorkflowInstanceStatus beginning =
        Restarts.apply(loopFailed(), req(2, RestartFrom.Beginning, null), wf, NOW);
    assertThat(Restarts.rerunsIteration(beginning, "days.5.work")).isTrue();

    WorkflowInstanceStatus succeededLoop = loopFailed();
    succeededLoop.steps.get("days").state = StepState.Succeeded;
    WorkflowInstanceStatus kept =
        Restarts.apply(succeededLoop, req(2, RestartFrom.Step, "report"), wf, NOW);
    assertThat(Restarts.rerunsIteration(kept, "days.4.work")).isFalse();
  }

  @Test
  void countsIterationsInRanges() {
    assertThat(RangeSet.parse("0-4999,5001-9999").size()).isEqualTo(9999);
    assertThat(RangeSet.parse("7").size()).isEqualTo(1);
    assertThat(RangeSet.parse("0-3, 5 ,7-8").size()).isEqualTo(7);
  }
}
