package dev.baton.flow;

import static dev.baton.flow.FlowHarness.T0;
import static dev.baton.flow.FlowHarness.at;
import static dev.baton.flow.FlowHarness.created;
import static dev.baton.flow.FlowHarness.creates;
import static dev.baton.flow.FlowHarness.deletes;
import static dev.baton.flow.FlowHarness.timers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.expr.Scope;
import dev.baton.flow.Command.AwaitSignal;
import dev.baton.flow.Command.EmitSignals;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.TimerKey.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Signal steps (waits released by a Signal) and output signals (emitted on success). */
class InstanceFlowSignalTest {
  static final String WAIT =
      """
      params: [{name: date, default: "2026-01-01"}]
      steps:
        - id: wait
          type: signal
          signal:
            name: table-ready
            match: [{param: date, value: "${params.date}"}, {param: rows, op: ">", value: 10}]
            timeout: 1h
        - id: load
          dependsOn: [wait]
          job: {image: busybox, args: ["--rows=${steps.wait.outputs.rows}", "--from=${steps.wait.signal}"]}
      """;

  static List<AwaitSignal> awaits(List<Command> out) {
    return out.stream().filter(AwaitSignal.class::isInstance).map(AwaitSignal.class::cast).toList();
  }

  static List<EmitSignals> emits(List<Command> out) {
    return out.stream().filter(EmitSignals.class::isInstance).map(EmitSignals.class::cast).toList();
  }

  static boolean cancelled(List<Command> out, String path, int attempt) {
    return out.contains(new Command.CancelSignalWait(StepPath.of(path), attempt));
  }

  static FlowEvent.SignalArrived arrived(
      String path, int attempt, String name, Map<String, JsonNode> params, double t) {
    return new FlowEvent.SignalArrived(
        StepPath.of(path), attempt, name, "uid-" + name, params, at(t));
  }

  /** Whether the wait's selector, as the runtime matches it, takes a signal with these params. */
  static boolean takes(AwaitSignal a, Map<String, JsonNode> params) {
    Scope s = a.scope();
    return a.matcher()
        .matches("table-ready", params, new Scope(s.params(), s.steps(), s.loop(), s.last()));
  }

  @Nested
  class Waits {
    final FlowHarness run = new FlowHarness(WAIT);

    @Test
    void aSignalStepWaitsWithNoJobAndNoPermit() {
      List<Command> out = run.start();
      assertThat(creates(out)).isEmpty();
      AwaitSignal a = awaits(out).getFirst();
      assertThat(a.path()).isEqualTo(StepPath.of("wait"));
      assertThat(a.attempt()).isEqualTo(1);
      assertThat(timers(out, Kind.SIGNAL_TIMEOUT))
          .containsExactly(new SetTimer(new TimerKey(Kind.SIGNAL_TIMEOUT, "wait", 1), at(3600)));
      assertThat(run.flow.runningSteps()).isZero();
      assertThat(run.step("wait").state).isEqualTo(StepState.Running);
      assertThat(run.step("wait").message)
          .isEqualTo("waiting for signal table-ready (date = 2026-01-01, rows > 10)");
    }

    @Test
    void theSelectorIsRenderedAgainstTheStepsScope() {
      AwaitSignal a = awaits(run.start()).getFirst();
      assertThat(
              takes(a, Map.of("date", TextNode.valueOf("2026-01-01"), "rows", IntNode.valueOf(42))))
          .isTrue();
      assertThat(
              takes(a, Map.of("date", TextNode.valueOf("2026-01-02"), "rows", IntNode.valueOf(42))))
          .isFalse();
      assertThat(
              takes(a, Map.of("date", TextNode.valueOf("2026-01-01"), "rows", IntNode.valueOf(5))))
          .isFalse();
    }

    @Test
    void aMatchingSignalReleasesTheStepWithItsParamsAsOutputs() {
      run.start();
      List<Command> out =
          run.handle(
              arrived(
                  "wait",
                  1,
                  "sig-a",
                  Map.of("date", TextNode.valueOf("2026-01-01"), "rows", IntNode.valueOf(42)),
                  5));
      var wait = run.step("wait");
      assertThat(wait.state).isEqualTo(StepState.Succeeded);
      assertThat(wait.outputs).containsEntry("rows", IntNode.valueOf(42));
      assertThat(wait.signal.name).isEqualTo("sig-a");
      assertThat(wait.signal.uid).isEqualTo("uid-sig-a");
      assertThat(wait.message).isEqualTo("released by signal sig-a");
      assertThat(creates(out).getFirst().args()).containsExactly("--rows=42", "--from=sig-a");
    }

    @Test
    void aSecondSignalForTheSameWaitIsIgnored() {
      run.start();
      run.handle(arrived("wait", 1, "sig-a", Map.of("rows", IntNode.valueOf(42)), 5));
      List<Command> out =
          run.handle(arrived("wait", 1, "sig-b", Map.of("rows", IntNode.valueOf(7)), 6));
      assertThat(out).isEmpty();
      assertThat(run.step("wait").signal.name).isEqualTo("sig-a");
    }

    @Test
    void theTimeoutFailsTheRunNamingTheSelector() {
      run.start();
      List<Command> out = run.fire(Kind.SIGNAL_TIMEOUT, "wait", 1, 3600);
      assertThat(cancelled(out, "wait", 1)).isTrue();
      assertThat(run.step("wait").state).isEqualTo(StepState.TimedOut);
      assertThat(run.step("wait").message)
          .startsWith("no signal table-ready (date = 2026-01-01, rows > 10) arrived within 1h");
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.step("load").state).isEqualTo(StepState.Stopped);
    }

    @Test
    void aTimeoutAfterTheReleaseIsIgnored() {
      run.start();
      run.handle(arrived("wait", 1, "sig-a", Map.of("rows", IntNode.valueOf(42)), 5));
      run.fire(Kind.SIGNAL_TIMEOUT, "wait", 1, 3600);
      assertThat(run.step("wait").state).isEqualTo(StepState.Succeeded);
    }

    @Test
    void anOperatorRestartWaitsAgainWithTheOriginalDeadline() {
      run.start();
      run.operatorRestart(run.writtenStatus());
      List<Command> out = run.handle(new FlowEvent.Resume(Map.of(), at(600)));
      AwaitSignal again = awaits(out).getFirst();
      assertThat(again.attempt()).isEqualTo(1);
      assertThat(timers(out, Kind.SIGNAL_TIMEOUT))
          .containsExactly(new SetTimer(new TimerKey(Kind.SIGNAL_TIMEOUT, "wait", 1), at(3600)));
      assertThat(run.step("wait").attempt).isEqualTo(1);
      // A signal that arrived while the operator was down is found by the runtime from its cache.
      run.handle(arrived("wait", 1, "sig-a", Map.of("rows", IntNode.valueOf(42)), 601));
      assertThat(run.step("wait").state).isEqualTo(StepState.Succeeded);
      assertThat(created(run.all)).containsExactly("load#1");
    }

    @Test
    void aSucceededSignalStepKeepsItsSignalAcrossARestart() {
      run.start();
      run.handle(arrived("wait", 1, "sig-a", Map.of("rows", IntNode.valueOf(42)), 5));
      run.operatorRestart(run.writtenStatus());
      run.handle(new FlowEvent.Resume(Map.of("load", 1), at(600)));
      assertThat(run.step("wait").signal.name).isEqualTo("sig-a");
      assertThat(awaits(run.all.subList(0, run.all.size()))).hasSize(1);
    }

    @Test
    void stoppingTheRunCancelsTheWait() {
      run.start();
      List<Command> out = run.stop(5);
      assertThat(cancelled(out, "wait", 1)).isTrue();
      assertThat(run.step("wait").state).isEqualTo(StepState.Stopped);
    }

    @Test
    void skippingTheStepBypassesTheWait() {
      run.start();
      List<Command> out = run.handle(new FlowEvent.SkipRequested(java.util.Set.of("wait"), at(5)));
      assertThat(cancelled(out, "wait", 1)).isTrue();
      assertThat(run.step("wait").state).isEqualTo(StepState.Skipped);
      // Skips do not propagate: load starts, and here fails, reading outputs the wait never had.
      assertThat(run.step("load").message).startsWith("could not render the job");
    }
  }

  @Nested
  class FailureModes {
    static String yaml(String mode) {
      return """
      steps:
        - id: wait
          type: signal
          failureMode: %s
          signal: {name: go, timeout: 10m}
        - {id: side, job: {image: busybox}}
        - {id: after, dependsOn: [wait], type: noop}
      """
          .formatted(mode);
    }

    @Test
    void failAfterRunningLetsRunningStepsFinish() {
      FlowHarness run = new FlowHarness(yaml("FAIL_AFTER_RUNNING"));
      run.start();
      run.launched("side", 1, 1);
      List<Command> out = run.fire(Kind.SIGNAL_TIMEOUT, "wait", 1, 600);
      assertThat(deletes(out)).isEmpty();
      assertThat(run.step("wait").state).isEqualTo(StepState.TimedOut);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Running);
      run.succeed("side", 1, 700);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.status().message).contains("no signal go arrived within 10m");
      assertThat(run.step("after").state).isEqualTo(StepState.Stopped);
    }

    @Test
    void failImmediatelyStopsTheOtherSteps() {
      FlowHarness run = new FlowHarness(yaml("FAIL_IMMEDIATELY"));
      run.start();
      run.launched("side", 1, 1);
      List<Command> out = run.fire(Kind.SIGNAL_TIMEOUT, "wait", 1, 600);
      assertThat(deletes(out)).hasSize(1);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
      assertThat(run.step("side").state).isEqualTo(StepState.Stopped);
    }

    @Test
    void ignoreFailureLetsDependentsRun() {
      FlowHarness run = new FlowHarness(yaml("IGNORE_FAILURE"));
      run.start();
      run.fire(Kind.SIGNAL_TIMEOUT, "wait", 1, 600);
      assertThat(run.step("wait").state).isEqualTo(StepState.CompletedWithError);
      assertThat(run.step("after").state).isEqualTo(StepState.Succeeded);
      run.succeed("side", 1, 700);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    }

    @Test
    void retryTimeoutsWaitsAgainAsANewAttempt() {
      FlowHarness run =
          new FlowHarness(
              """
              steps:
                - id: wait
                  type: signal
                  retry: {timeouts: 1, backoff: {type: fixed, delay: 1s}}
                  signal: {name: go, timeout: 10m}
              """);
      run.start();
      run.fire(Kind.SIGNAL_TIMEOUT, "wait", 1, 600);
      assertThat(run.step("wait").state).isEqualTo(StepState.Retrying);
      List<Command> out = run.fire(Kind.RETRY, "wait", 1, 601);
      assertThat(awaits(out).getFirst().attempt()).isEqualTo(2);
      assertThat(timers(out, Kind.SIGNAL_TIMEOUT).getFirst().at()).isEqualTo(at(1201));
    }
  }

  @Test
  void aSignalStepInsideAForeachWaitsPerIteration() {
    FlowHarness run =
        new FlowHarness(
            """
            steps:
              - id: each
                type: foreach
                foreach: {over: [{name: day, values: ["2026-01-01", "2026-01-02"]}]}
                steps:
                  - id: wait
                    type: signal
                    signal: {name: table-ready, match: [{param: date, value: "${loop.day}"}]}
                  - {id: use, dependsOn: [wait], job: {image: busybox, args: ["${steps.wait.outputs.rows}"]}}
            """);
    List<AwaitSignal> waits = awaits(run.start());
    assertThat(waits)
        .extracting(a -> a.path().toString())
        .containsExactly("each.0.wait", "each.1.wait");
    assertThat(takes(waits.get(1), Map.of("date", TextNode.valueOf("2026-01-02")))).isTrue();
    assertThat(takes(waits.get(1), Map.of("date", TextNode.valueOf("2026-01-01")))).isFalse();
    List<Command> out =
        run.handle(arrived("each.1.wait", 1, "s1", Map.of("rows", IntNode.valueOf(9)), 5));
    assertThat(creates(out).getFirst().args()).containsExactly("9");
    assertThat(creates(out).getFirst().stepId()).isEqualTo("each.1.use");
    run.handle(arrived("each.0.wait", 1, "s0", Map.of("rows", IntNode.valueOf(3)), 6));
    run.succeedLaunched(7);
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void aSelectorValueThatCannotBeRenderedFailsTheStepNamingTheParam() {
    FlowHarness run =
        new FlowHarness(
            """
            steps:
              - {id: a, type: noop}
              - id: wait
                type: signal
                dependsOn: [a]
                signal: {name: go, match: [{param: day, value: "${steps.a.outputs.day}"}]}
            """);
    run.start();
    assertThat(run.step("wait").state).isEqualTo(StepState.Failed);
    assertThat(run.step("wait").message).startsWith("could not render signal.match param \"day\"");
  }

  @Nested
  class OutputSignals {
    final FlowHarness run =
        new FlowHarness(
            """
            params: [{name: date, default: "2026-01-01"}]
            steps:
              - id: load
                retry: {userErrors: 1, backoff: {type: fixed, delay: 1s}}
                job: {image: busybox}
                signals:
                  - name: table-ready
                    params: {date: "${params.date}", rows: "${steps.load.outputs.rows}", note: "rows=${steps.load.outputs.rows}"}
              - {id: next, dependsOn: [load], type: noop}
            """);

    @Test
    void aSucceededStepEmitsItsSignalsBeforeItCountsAsSucceeded() {
      run.start();
      run.launched("load", 1, 1);
      List<Command> out = run.succeed("load", 1, "{\"rows\": 42}", 2);
      EmitSignals e = emits(out).getFirst();
      assertThat(e.path()).isEqualTo(StepPath.of("load"));
      assertThat(e.attempt()).isEqualTo(1);
      assertThat(e.run()).isEqualTo(1);
      assertThat(e.signals()).hasSize(1);
      var s = e.signals().getFirst();
      assertThat(s.index()).isZero();
      assertThat(s.name()).isEqualTo("table-ready");
      assertThat(s.params())
          .containsEntry("date", TextNode.valueOf("2026-01-01"))
          .containsEntry("rows", com.fasterxml.jackson.databind.node.LongNode.valueOf(42))
          .containsEntry("note", TextNode.valueOf("rows=42"));
      assertThat(run.step("load").state).isEqualTo(StepState.Running);
      assertThat(run.step("load").message).isEqualTo("emitting 1 signal");
      assertThat(run.step("next").state).isEqualTo(StepState.Waiting);

      run.handle(
          new FlowEvent.SignalsEmitted(
              StepPath.of("load"), 1, List.of("run-1-table-ready-abc"), at(3)));
      assertThat(run.step("load").state).isEqualTo(StepState.Succeeded);
      assertThat(run.step("load").emittedSignals).containsExactly("run-1-table-ready-abc");
      assertThat(run.step("load").outputs).containsKey("rows");
      assertThat(run.step("next").state).isEqualTo(StepState.Succeeded);
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Succeeded);
    }

    @Test
    void aRepeatedSuccessReportDoesNotEmitAgain() {
      run.start();
      run.succeed("load", 1, "{\"rows\": 42}", 2);
      assertThat(emits(run.succeed("load", 1, "{\"rows\": 42}", 3))).isEmpty();
      // Nor does a report of the Job's loss: its work is done.
      run.handle(new FlowEvent.WorkloadGone("load", 1, at(4)));
      assertThat(run.step("load").state).isEqualTo(StepState.Running);
    }

    @Test
    void onlyTheSucceededAttemptEmits() {
      run.start();
      run.fail("load", 1, 2);
      run.fire(Kind.RETRY, "load", 1, 3);
      run.succeed("load", 2, "{\"rows\": 1}", 4);
      assertThat(emits(run.all)).extracting(EmitSignals::attempt).containsExactly(2);
    }

    @Test
    void anOperatorRestartWhileEmittingAsksForTheSameSignalsAgain() {
      run.start();
      run.succeed("load", 1, "{\"rows\": 42}", 2);
      EmitSignals first = emits(run.all).getFirst();
      run.operatorRestart(run.writtenStatus());
      run.handle(new FlowEvent.Resume(Map.of("load", 1), at(100)));
      List<Command> out = run.succeed("load", 1, "{\"rows\": 42}", 101);
      // The same (path, attempt, run, index): the runtime derives the same Signal names from them.
      assertThat(emits(out)).containsExactly(first);
    }

    @Test
    void aRefusedSignalFailsTheStep() {
      run.start();
      run.succeed("load", 1, "{\"rows\": 42}", 2);
      run.handle(
          new FlowEvent.SignalEmitFailed(
              StepPath.of("load"),
              1,
              "could not create output signal table-ready: forbidden",
              at(3)));
      assertThat(run.step("load").state).isEqualTo(StepState.Failed);
      assertThat(run.step("load").message).contains("forbidden");
      assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
    }

    @Test
    void aSignalParamThatCannotBeRenderedFailsTheStepNamingIt() {
      run.start();
      run.succeed("load", 1, "{\"other\": 1}", 2);
      assertThat(emits(run.all)).isEmpty();
      assertThat(run.step("load").state).isEqualTo(StepState.Failed);
      assertThat(run.step("load").message)
          .startsWith("could not render output signal table-ready: param \"rows\"");
    }

    @Test
    void aSignalParamOverTheLimitFailsTheStep() {
      run.start();
      String big = "x".repeat(5000);
      run.succeed("load", 1, "{\"rows\": \"" + big + "\"}", 2);
      assertThat(run.step("load").state).isEqualTo(StepState.Failed);
      assertThat(run.step("load").message)
          .contains(
              "output signal table-ready: param \"rows\" is 5000 characters, over the limit of 4096");
    }

    @Test
    void noopAndSignalStepsEmitToo() {
      FlowHarness chain =
          new FlowHarness(
              """
              steps:
                - id: wait
                  type: signal
                  signal: {name: in}
                  signals: [{name: out, params: {v: "${steps.wait.outputs.v}", from: "${steps.wait.signal}"}}]
              """);
      chain.start();
      List<Command> out =
          chain.handle(arrived("wait", 1, "sig-in", Map.of("v", TextNode.valueOf("x")), 1));
      var s = emits(out).getFirst().signals().getFirst();
      assertThat(s.params())
          .containsEntry("v", TextNode.valueOf("x"))
          .containsEntry("from", TextNode.valueOf("sig-in"));
      assertThat(T0).isBefore(at(1));
    }
  }
}
