package dev.baton.runs;

import dev.baton.api.InstancePhase;
import dev.baton.api.RunStrategy;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The run-strategy rules (Maestro's), as pure functions of one Workflow's instances: whether a
 * waiting run may start now, must wait Queued, or ends Stopped at once. {@link RunAdmission} feeds
 * it views of the instances and makes its answers race-free.
 *
 * <p>The queue order is {@link Run#order()} then name. A fresh run's order is its creation time; a
 * restarted run's is the time it entered the queue, so a restart queues behind the runs already
 * waiting (Maestro puts a restarted run at the back as well).
 */
final class RunStrategyRules {
  private RunStrategyRules() {}

  enum State {
    /** Started, or admitted and starting: it holds a slot. */
    ACTIVE,
    /** Not final and not started: queued, or not yet looked at. */
    WAITING,
    ENDED
  }

  /**
   * One instance as the rules see it. {@code phase} is the final phase for an ENDED run (null when
   * not known yet); {@code unblocked} is spec.unblock.
   */
  record Run(
      String name,
      Instant order,
      State state,
      InstancePhase phase,
      boolean stopRequested,
      boolean unblocked) {
    boolean blocks() {
      return state == State.ENDED
          && !unblocked
          && (phase == InstancePhase.Failed
              || phase == InstancePhase.Stopped
              || phase == InstancePhase.TimedOut);
    }
  }

  static final Comparator<Run> ORDER = Comparator.comparing(Run::order).thenComparing(Run::name);

  sealed interface Decision {
    /** Start now. {@code stop}: older unfinished runs to stop first (LastOnly). */
    record Admit(List<String> stop) implements Decision {}

    record Queue(String reason, String message, List<String> stop) implements Decision {}

    /** End Stopped without running. */
    record Drop(String message) implements Decision {}
  }

  /** What becomes of {@code me}, a waiting run, given the workflow's other instances. */
  static Decision decide(RunStrategy strategy, Run me, List<Run> others) {
    List<Run> active =
        others.stream().filter(r -> r.state() == State.ACTIVE).sorted(ORDER).toList();
    List<Run> ahead =
        others.stream()
            .filter(
                r -> r.state() == State.WAITING && !r.stopRequested() && ORDER.compare(r, me) < 0)
            .sorted(ORDER)
            .toList();
    return switch (strategy.typeOrDefault()) {
      case FirstOnly -> firstOnly(active, ahead);
      case LastOnly -> lastOnly(me, others, active);
      case StrictSequential -> {
        Run blocker = blocker(others, me);
        yield blocker != null
            ? new Decision.Queue(
                "Blocked",
                "blocked by "
                    + blocker.name()
                    + " ("
                    + blocker.phase()
                    + "): restart it or set its spec.unblock",
                List.of())
            : limited(strategy, active, ahead);
      }
      case Sequential, Parallel -> limited(strategy, active, ahead);
    };
  }

  /**
   * Under StrictSequential, the run that holds up {@code me}: the first one ordered before it that
   * ended Failed, Stopped or TimedOut and is neither restarted nor unblocked. With {@code me} null,
   * the first such run of all: what a new run would wait for.
   */
  static Run blocker(List<Run> runs, Run me) {
    return runs.stream()
        .filter(Run::blocks)
        .filter(r -> me == null || ORDER.compare(r, me) < 0)
        .min(ORDER)
        .orElse(null);
  }

  private static Decision firstOnly(List<Run> active, List<Run> ahead) {
    if (!active.isEmpty()) {
      return new Decision.Drop("dropped: " + active.getFirst().name() + " is running (FirstOnly)");
    }
    if (!ahead.isEmpty()) {
      return new Decision.Drop("dropped: " + ahead.getFirst().name() + " came first (FirstOnly)");
    }
    return new Decision.Admit(List.of());
  }

  private static Decision lastOnly(Run me, List<Run> others, List<Run> active) {
    Run newest =
        others.stream()
            .filter(r -> r.state() != State.ENDED && !r.stopRequested() && ORDER.compare(r, me) > 0)
            .max(ORDER)
            .orElse(null);
    if (newest != null) return new Decision.Drop("superseded by " + newest.name() + " (LastOnly)");
    List<String> stop =
        others.stream()
            .filter(r -> r.state() != State.ENDED && !r.stopRequested())
            .map(Run::name)
            .sorted()
            .toList();
    if (active.isEmpty()) return new Decision.Admit(stop);
    return new Decision.Queue(
        "Superseding", "waiting for " + names(active) + " to stop (LastOnly)", stop);
  }

  private static Decision limited(RunStrategy strategy, List<Run> active, List<Run> ahead) {
    int limit = strategy.limit();
    if (limit == 0) {
      return new Decision.Queue(
          "Paused", "paused: the workflow's Parallel concurrency is 0", List.of());
    }
    int free = limit - active.size();
    if (ahead.size() < free) return new Decision.Admit(List.of());
    StringBuilder m = new StringBuilder("queued: ");
    if (!ahead.isEmpty()) m.append(ahead.size()).append(" ahead");
    if (!active.isEmpty()) {
      if (!ahead.isEmpty()) m.append("; ");
      if (strategy.typeOrDefault() == dev.baton.api.RunStrategyType.Parallel) {
        m.append(active.size()).append(" of ").append(limit).append(" running (Parallel)");
      } else {
        m.append(names(active)).append(active.size() == 1 ? " is running" : " are running");
      }
    }
    return new Decision.Queue("Queued", m.toString(), List.of());
  }

  private static String names(List<Run> runs) {
    if (runs.size() <= 2) return String.join(", ", runs.stream().map(Run::name).toList());
    return runs.getFirst().name() + " and " + (runs.size() - 1) + " more";
  }
}
