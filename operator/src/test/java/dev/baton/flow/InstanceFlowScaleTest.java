package dev.baton.flow;

import static dev.baton.flow.FlowHarness.at;
import static dev.baton.flow.FlowHarness.created;
import static dev.baton.flow.FlowHarness.creates;
import static dev.baton.flow.FlowHarness.deletes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.LoopStatus;
import dev.baton.api.Rollup;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.Command.CreateJob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The step concurrency cap, skip, the rollup, the status size of a huge loop, and restarts. */
class InstanceFlowScaleTest {

  @Nested
  class Permits {
    @Test
    void stepsOverTheCapWaitAndSayWhyThenStartInOrder() {
      FlowHarness run =
          new FlowHarness(
              """
              stepConcurrency: 2
              steps:
                - {id: a, retry: {backoff: {type: fixed, delay: 10s}}, job: {image: busybox}}
                - {id: b, job: {image: busybox}}
                - {id: c, type: sleep, sleep: 1m}
                - {id: d, job: {image: busybox}}
                - {id: e, type: noop}
              """);
      assertThat(created(run.start())).containsExactly("a#1", "b#1");
      assertThat(run.step("e").state)
          .as("noop steps need no permit")
          .isEqualTo(StepState.Succeeded);
      assertThat(run.step("c").state).isEqualTo(StepState.Waiting);
      assertThat(run.step("c").message)
          .isEqualTo("waiting for a permit: 2 of 2 steps running (stepConcurrency)");
      assertThat(run.flow.runningSteps()).isEqualTo(2);
      // A Retrying step holds no permit: its place goes to the next in line.
      run.fail("a", 1, 1);
      assertThat(run.step("c").state).isEqualTo(StepState.Running);
      assertThat(run.step("c").message).isEqualTo("sleeping for 1m");
      assertThat(created(run.succeed("b", 1, 2))).containsExactly("d#1");
      // a's retry is due but every permit is taken: it waits, Retrying, for one.
      assertThat(created(run.fire(TimerKey.Kind.RETRY, "a", 1, 11))).isEmpty();
      assertThat(run.step("a").state).isEqualTo(StepState.Retrying);
      assertThat(created(run.succeed("d", 1, 12))).containsExactly("a#2");
    }

    @Test
    void theCapCountsStepsInsideLoops() {
      FlowHarness run =
          new FlowHarness(
              """
              stepConcurrency: 3
              steps:
                - id: l
                  type: foreach
                  foreach: {concurrency: 10, over: [{name: x, values: [0, 1, 2, 3, 4, 5]}]}
                  steps: [{id: w, job: {image: busybox}}]
                - {id: solo, job: {image: busybox}}
              """);
      List<Command> out = run.start();
      assertThat(created(out)).hasSize(3);
      assertThat(run.flow.runningSteps()).isEqualTo(3);
      assertThat(run.step("l").loop.active).hasSize(6);
      run.succeedLaunched(1);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
      assertThat(created(run.all)).hasSize(7).doesNotHaveDuplicates();
    }
  }

  @Nested
  class Skip {
    @Test
    void aRunningStepIsStoppedAndSkippedAndItsDependentsGo() {
      FlowHarness run =
          new FlowHarness(
              """
              steps:
                - {id: a, job: {image: busybox}}
                - {id: b, dependsOn: [a], job: {image: busybox}}
              """);
      run.start();
      run.launched("a", 1, 1);
      List<Command> out = run.handle(new FlowEvent.SkipRequested(Set.of("a"), at(2)));
      assertThat(deletes(out)).extracting(Command.DeleteJob::stepId).containsExactly("a");
      assertThat(created(out)).containsExactly("b#1");
      assertThat(run.step("a").state).isEqualTo(StepState.Skipped);
      assertThat(run.step("a").message).isEqualTo("skipped by the user");
      // Level based: the same request again does nothing, not even a status write.
      assertThat(run.handle(new FlowEvent.SkipRequested(Set.of("a"), at(3)))).isEmpty();
    }

    @Test
    void insideALoopEveryIterationSkipsTheStep() {
      FlowHarness run =
          new FlowHarness(
              """
              steps:
                - id: l
                  type: foreach
                  foreach: {concurrency: 1, over: [{name: x, values: [0, 1, 2]}]}
                  steps:
                    - {id: w, job: {image: busybox}}
                    - {id: v, dependsOn: [w], job: {image: busybox}}
              """);
      run.start();
      List<Command> out = run.handle(new FlowEvent.SkipRequested(Set.of("w"), at(1)));
      assertThat(deletes(out)).extracting(Command.DeleteJob::stepId).containsExactly("l.0.w");
      assertThat(created(out)).containsExactly("l.0.v#1");
      run.succeedLaunched(2);
      assertThat(created(run.all)).containsExactly("l.0.w#1", "l.0.v#1", "l.1.v#1", "l.2.v#1");
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
      assertThat(run.status().rollup.states)
          .containsEntry("Skipped", 3L)
          .containsEntry("Succeeded", 3L);
    }
  }

  @Test
  void theRollupCountsLeafStepsAcrossIterationsStartedOrNot() {
    FlowHarness run =
        new FlowHarness(
            """
            steps:
              - {id: pre, job: {image: busybox}}
              - id: l
                type: foreach
                foreach: {concurrency: 2, over: [{name: x, values: [0, 1, 2, 3]}]}
                steps:
                  - {id: w, job: {image: busybox}}
                  - {id: v, dependsOn: [w], job: {image: busybox}}
            """);
    run.start();
    Rollup r = run.status().rollup;
    assertThat(r.total).isEqualTo(9);
    assertThat(r.done).isZero();
    assertThat(r.states).containsExactlyInAnyOrderEntriesOf(Map.of("Launching", 3L, "Waiting", 6L));
    run.succeed("l.0.w", 1, 1);
    run.succeed("l.0.v", 1, 2);
    r = run.status().rollup;
    assertThat(r.total).isEqualTo(9);
    assertThat(r.done).isEqualTo(2);
    assertThat(r.progress).isEqualTo("2/9");
    assertThat(run.step("l").loop.finishedLeaves).containsExactly(Map.entry("Succeeded", 2L));
    assertThat(run.status().progress).as("top-level steps").isEqualTo("0/2");
  }

  /**
   * 100,000 iterations at concurrency 500, every step running for a while, one iteration in 1,000
   * failing: the status, as JSON, stays under 256 KB from start to end.
   */
  @Test
  void theStatusOfAHundredThousandIterationLoopStaysUnder256KB() {
    int total = 100_000;
    dev.baton.dag.CompiledWorkflow wf =
        dev.baton.dag.Specs.compile(
            """
            stepConcurrency: 1000
            steps:
              - id: days
                type: foreach
                foreach: {concurrency: 500, onIterationFailure: continue, over: [{name: shard, expr: "%s"}, {name: day, expr: "%s"}]}
                steps:
                  - {id: extract, retry: {userErrors: 0}, job: {image: busybox, args: ["--shard=${loop.shard}", "--day=${loop.day}"]}}
                  - {id: load, dependsOn: [extract], job: {image: busybox, args: ["--rows=${steps.extract.outputs.rows}"]}}
              - {id: report, dependsOn: [days], type: noop}
            """
                .formatted(
                    list(100, i -> "'s" + i + "'"),
                    list(1000, i -> "'" + java.time.LocalDate.of(2000, 1, 1).plusDays(i) + "'")));
    FlowHarness run = new FlowHarness(wf, Map.of());

    ArrayDeque<CreateJob> running = new ArrayDeque<>(creates(run.start()));
    assertThat(running).hasSize(500);
    long largest = 0;
    long events = 0;
    long jobs = running.size();
    while (!running.isEmpty()) {
      CreateJob c = running.poll();
      boolean fail =
          c.stepId().endsWith(".extract") && c.stepId().matches("days\\.\\d*999\\.extract");
      List<Command> out =
          fail
              ? run.fail(c.stepId(), c.attempt(), 1)
              : run.succeed(c.stepId(), c.attempt(), "{\"rows\": 12345}", 1);
      List<CreateJob> more = creates(out);
      jobs += more.size();
      running.addAll(more);
      if (++events % 5_000 == 0) largest = Math.max(largest, size(run.status()));
    }
    largest = Math.max(largest, size(run.status()));
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
    LoopStatus ls = run.step("days").loop;
    assertThat(ls.total).isEqualTo(total);
    assertThat(ls.states).containsEntry("Succeeded", 99_900L).containsEntry("Failed", 100L);
    assertThat(ls.errors).hasSize(5);
    assertThat(jobs).isEqualTo(2L * total - 100);
    assertThat(largest).as("largest status, bytes").isLessThan(256 * 1024).isGreaterThan(50 * 1024);
  }

  static String list(int n, java.util.function.IntFunction<String> item) {
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(item)
        .collect(java.util.stream.Collectors.joining(",", "[", "]"));
  }

  static long size(WorkflowInstanceStatus st) {
    return Json.write(st).getBytes(StandardCharsets.UTF_8).length;
  }

  @Nested
  class Restarts {
    static final String LOOP =
        """
        steps:
          - id: l
            type: foreach
            foreach: {concurrency: 3, onIterationFailure: continue, over: [{name: x, values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}]}
            steps: [{id: w, retry: {userErrors: 0}, job: {image: busybox}}]
        """;

    /**
     * The operator dies mid-loop after a status write that missed two finished iterations and two
     * launched ones. The runtime reports what the cluster holds; nothing runs twice.
     */
    @Test
    void resumingMidLoopRunsNoIterationAgain() {
      FlowHarness run = new FlowHarness(LOOP);
      Map<String, Integer> cluster = new HashMap<>();
      java.util.function.Consumer<List<Command>> apply =
          out -> creates(out).forEach(c -> cluster.merge(c.stepId(), c.attempt(), Math::max));
      apply.accept(run.start()); // 0, 1, 2
      apply.accept(run.succeed("l.0.w", 1, 1)); // 3
      apply.accept(run.succeed("l.1.w", 1, 2)); // 4
      WorkflowInstanceStatus written = run.writtenStatus();
      assertThat(written.steps.get("l").loop.succeeded).isEqualTo("0-1");
      apply.accept(run.succeed("l.2.w", 1, 3)); // 5
      apply.accept(run.succeed("l.3.w", 1, 4)); // 6
      // The operator dies; its last status is `written`.

      run.operatorRestart(written);
      List<Command> out = run.handle(new FlowEvent.Resume(Map.copyOf(cluster), at(10)));
      assertThat(creates(out)).isEmpty();
      assertThat(run.flow.stepState("l.5.w")).isEqualTo(StepState.Running);
      assertThat(run.flow.stepState("l.6.w")).isEqualTo(StepState.Running);
      // The runtime reports the Jobs that finished meanwhile, as it does on every resync.
      apply.accept(run.succeed("l.2.w", 1, 11));
      apply.accept(run.succeed("l.3.w", 1, 11));
      assertThat(run.step("l").loop.active).containsOnlyKeys("4", "5", "6");
      run.finishLaunched(
          12,
          c -> {
            cluster.merge(c.stepId(), c.attempt(), Math::max);
            return "";
          });
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
      assertThat(created(run.all)).doesNotHaveDuplicates().hasSize(10);
      assertThat(run.step("l").loop.succeeded).isEqualTo("0-9");
    }

    @Test
    void aRestoredRunWaitingToRestartLaunchesTheReadyStepsAndKeepsTheRest() {
      FlowHarness run =
          new FlowHarness(
              """
              steps:
                - {id: a, job: {image: busybox}}
                - {id: b, dependsOn: [a], retry: {userErrors: 0}, job: {image: busybox}}
                - {id: c, dependsOn: [b], job: {image: busybox}}
              """);
      run.start();
      run.succeed("a", 1, 1);
      run.fail("b", 1, 2);
      WorkflowInstanceStatus status = run.writtenStatus();
      assertThat(status.phase).isEqualTo(InstancePhase.Failed);
      // What a restart from the incomplete steps writes: a kept, b and c reset, the run Queued.
      status.phase = InstancePhase.Queued;
      status.endTime = null;
      status.conditions.clear();
      status.steps.get("b").state = StepState.Waiting;
      status.steps.get("b").userErrors = null;
      status.steps.get("c").state = StepState.Waiting;
      run.operatorRestart(status);
      List<Command> out = run.handle(new FlowEvent.Start(at(100)));
      assertThat(created(out)).containsExactly("b#2");
      assertThat(run.step("a").state).isEqualTo(StepState.Succeeded);
      run.succeedLaunched(101);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    }

    @Test
    void aRestartedLoopRunsOnlyTheIterationsThatDidNotSucceed() {
      FlowHarness run = new FlowHarness(LOOP);
      run.start();
      run.finishLaunched(
          1, c -> c.stepId().equals("l.4.w") || c.stepId().equals("l.7.w") ? null : "");
      WorkflowInstanceStatus status = run.writtenStatus();
      assertThat(status.steps.get("l").state).isEqualTo(StepState.Failed);
      assertThat(status.steps.get("l").loop.succeeded).isEqualTo("0-3,5-6,8-9");
      status.phase = InstancePhase.Pending;
      status.steps.get("l").state = StepState.Waiting;
      status.steps.get("l").loop.unsuccessful = null;
      status.steps.get("l").loop.errors = null;
      int before = run.all.size();
      run.operatorRestart(status);
      List<Command> out = run.handle(new FlowEvent.Start(at(100)));
      assertThat(created(out)).containsExactly("l.4.w#1", "l.7.w#1");
      run.succeedLaunched(101);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
      assertThat(run.step("l").loop.succeeded).isEqualTo("0-9");
      assertThat(run.step("l").loop.states).containsExactly(Map.entry("Succeeded", 10L));
      assertThat(created(run.all.subList(before, run.all.size())))
          .containsExactly("l.4.w#1", "l.7.w#1");
    }
  }
}
