package dev.baton.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.RunStrategy;
import dev.baton.api.RunStrategyType;
import dev.baton.runs.RunStrategyRules.Decision;
import dev.baton.runs.RunStrategyRules.Run;
import dev.baton.runs.RunStrategyRules.State;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The run-strategy rules alone; RunStrategyIntegrationTest drives them through the operator. */
class RunStrategyRulesTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static RunStrategy strategy(RunStrategyType type, Integer concurrency) {
    RunStrategy s = new RunStrategy();
    s.type = type;
    s.concurrency = concurrency;
    return s;
  }

  static Run run(String name, int second, State state) {
    return new Run(
        name,
        T0.plusSeconds(second),
        state,
        state == State.ENDED ? InstancePhase.Succeeded : null,
        false,
        false);
  }

  static Run ended(String name, int second, InstancePhase phase, boolean unblocked) {
    return new Run(name, T0.plusSeconds(second), State.ENDED, phase, false, unblocked);
  }

  @Test
  void sequentialAdmitsOnlyTheOldestWaitingRunWhenNothingRuns() {
    RunStrategy seq = strategy(null, null);
    List<Run> others = List.of(run("a", 1, State.WAITING), run("c", 3, State.WAITING));
    assertThat(RunStrategyRules.decide(seq, run("b", 2, State.WAITING), others))
        .isEqualTo(new Decision.Queue("Queued", "queued: 1 ahead", List.of()));
    assertThat(
            RunStrategyRules.decide(
                seq, run("a", 1, State.WAITING), List.of(run("b", 2, State.WAITING))))
        .isInstanceOf(Decision.Admit.class);
  }

  @Test
  void equalTimesAreOrderedByName() {
    RunStrategy seq = strategy(RunStrategyType.Sequential, null);
    assertThat(
            RunStrategyRules.decide(
                seq, run("x-2", 0, State.WAITING), List.of(run("x-1", 0, State.WAITING))))
        .isInstanceOf(Decision.Queue.class);
    assertThat(
            RunStrategyRules.decide(
                seq, run("x-1", 0, State.WAITING), List.of(run("x-2", 0, State.WAITING))))
        .isInstanceOf(Decision.Admit.class);
  }

  @Test
  void aRunStoppedWhileWaitingIsNotAhead() {
    Run stopped = new Run("a", T0, State.WAITING, null, true, false);
    assertThat(
            RunStrategyRules.decide(
                strategy(null, null), run("b", 1, State.WAITING), List.of(stopped)))
        .isInstanceOf(Decision.Admit.class);
  }

  @Test
  void strictSequentialIsBlockedOnlyByAnOlderFailureNotUnblocked() {
    RunStrategy strict = strategy(RunStrategyType.StrictSequential, null);
    Run me = run("c", 3, State.WAITING);
    assertThat(
            RunStrategyRules.decide(
                strict, me, List.of(ended("a", 1, InstancePhase.TimedOut, false))))
        .isEqualTo(
            new Decision.Queue(
                "Blocked",
                "blocked by a (TimedOut): restart it or set its spec.unblock",
                List.of()));
    assertThat(
            RunStrategyRules.decide(strict, me, List.of(ended("a", 1, InstancePhase.Failed, true))))
        .isInstanceOf(Decision.Admit.class);
    assertThat(
            RunStrategyRules.decide(
                strict, me, List.of(ended("a", 1, InstancePhase.Succeeded, false))))
        .isInstanceOf(Decision.Admit.class);
    assertThat(
            RunStrategyRules.decide(
                strict, me, List.of(ended("d", 4, InstancePhase.Failed, false))))
        .isInstanceOf(Decision.Admit.class);
    // Plain Sequential ignores failures.
    assertThat(
            RunStrategyRules.decide(
                strategy(null, null), me, List.of(ended("a", 1, InstancePhase.Failed, false))))
        .isInstanceOf(Decision.Admit.class);
  }

  @Test
  void firstOnlyDropsWhileAnotherRunsOrCameFirst() {
    RunStrategy first = strategy(RunStrategyType.FirstOnly, null);
    assertThat(
            RunStrategyRules.decide(
                first, run("b", 2, State.WAITING), List.of(run("a", 1, State.ACTIVE))))
        .isEqualTo(new Decision.Drop("dropped: a is running (FirstOnly)"));
    assertThat(
            RunStrategyRules.decide(
                first, run("b", 2, State.WAITING), List.of(run("a", 1, State.WAITING))))
        .isEqualTo(new Decision.Drop("dropped: a came first (FirstOnly)"));
    assertThat(
            RunStrategyRules.decide(
                first, run("a", 1, State.WAITING), List.of(run("b", 2, State.WAITING))))
        .isInstanceOf(Decision.Admit.class);
  }

  @Test
  void lastOnlyStopsTheOlderRunsAndDropsTheSuperseded() {
    RunStrategy last = strategy(RunStrategyType.LastOnly, null);
    List<Run> others =
        List.of(run("a", 1, State.ACTIVE), run("b", 2, State.WAITING), run("z", 0, State.ENDED));
    assertThat(RunStrategyRules.decide(last, run("c", 3, State.WAITING), others))
        .isEqualTo(
            new Decision.Queue(
                "Superseding", "waiting for a to stop (LastOnly)", List.of("a", "b")));
    assertThat(
            RunStrategyRules.decide(
                last, run("b", 2, State.WAITING), List.of(run("c", 3, State.WAITING))))
        .isEqualTo(new Decision.Drop("superseded by c (LastOnly)"));
    assertThat(
            RunStrategyRules.decide(
                last, run("c", 3, State.WAITING), List.of(run("b", 2, State.WAITING))))
        .isEqualTo(new Decision.Admit(List.of("b")));
  }

  @Test
  void parallelFillsItsSlotsOldestFirstAndZeroPauses() {
    RunStrategy two = strategy(RunStrategyType.Parallel, 2);
    assertThat(
            RunStrategyRules.decide(
                two, run("b", 2, State.WAITING), List.of(run("a", 1, State.WAITING))))
        .isInstanceOf(Decision.Admit.class);
    assertThat(
            RunStrategyRules.decide(
                two,
                run("c", 3, State.WAITING),
                List.of(run("a", 1, State.ACTIVE), run("b", 2, State.WAITING))))
        .isEqualTo(
            new Decision.Queue("Queued", "queued: 1 ahead; 1 of 2 running (Parallel)", List.of()));
    assertThat(
            RunStrategyRules.decide(
                strategy(RunStrategyType.Parallel, null),
                run("u", 30, State.WAITING),
                java.util.stream.IntStream.range(0, 19)
                    .mapToObj(i -> run("r" + i, i, State.ACTIVE))
                    .toList()))
        .as("default concurrency 20")
        .isInstanceOf(Decision.Admit.class);
    assertThat(
            RunStrategyRules.decide(
                strategy(RunStrategyType.Parallel, 0), run("a", 1, State.WAITING), List.of()))
        .isEqualTo(
            new Decision.Queue(
                "Paused", "paused: the workflow's Parallel concurrency is 0", List.of()));
  }
}
