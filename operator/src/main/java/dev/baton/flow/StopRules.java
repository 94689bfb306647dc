package dev.baton.flow;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What stopping and skipping mean. A stopped run (the user's stop, the workflow timeout, a status
 * too large, an internal error, a FAIL_IMMEDIATELY failure at the top) and an aborted frame end
 * every unfinished step Stopped: running ones have their Job or child stopped, their loop's
 * iterations aborted, their signal wait cancelled; waiting ones are "not started". A skip request
 * ends the named steps' unfinished occurrences Skipped, now and in iterations to come, stopping
 * what runs for them; a skipped step lets its dependents go.
 */
final class StopRules implements TimerRules.Stops {
  /** How the run ends, which {@link InstanceFlow} carries out. */
  interface RunEnd {
    /** Ends the run in {@code endPhase}: nothing more is started or waited for. */
    void finish(InstancePhase endPhase, String why, Instant now);
  }

  private final Frame top;
  private final RunHeader header;
  private final Agenda agenda;
  private final StepOutcomes outcomes;
  private final Attempts attempts;
  private final SignalSteps signals;
  private final Loops loops;
  private final RunEnd end;

  /** The step ids the user asked to skip; replaced by each request. */
  private Set<String> skip = Set.of();

  StopRules(
      Frame top,
      RunHeader header,
      Agenda agenda,
      StepOutcomes outcomes,
      Attempts attempts,
      SignalSteps signals,
      Loops loops,
      RunEnd end) {
    this.top = top;
    this.header = header;
    this.agenda = agenda;
    this.outcomes = outcomes;
    this.attempts = attempts;
    this.signals = signals;
    this.loops = loops;
    this.end = end;
  }

  // ---- stops -------------------------------------------------------------------------------

  /** Stops every unfinished step of every frame and ends the run in {@code endPhase}. */
  @Override
  public void run(InstancePhase endPhase, String why, Instant now) {
    frame(top, why, now);
    end.finish(endPhase, why, now);
  }

  /** Stops a frame's unfinished steps: running workloads stopped, loops aborted. */
  void frame(Frame f, String why, Instant now) {
    for (int i = 0; i < f.n; i++) {
      switch (f.state[i]) {
        case Launching, Running -> {
          work(f, i, why, now);
          f.endTime[i] = now;
          outcomes.moved(f, i, StepState.Stopped, "stopped: " + why);
        }
        case Retrying, Waiting -> {
          f.endTime[i] = now;
          outcomes.moved(
              f,
              i,
              StepState.Stopped,
              (f.state[i] == StepState.Waiting ? "not started: " : "stopped: ") + why);
        }
        default -> {}
      }
    }
  }

  /**
   * Whatever runs for a step's current attempt is told to stop; the step's state is the caller's.
   */
  @Override
  public void work(Frame f, int i, String why, Instant now) {
    switch (f.step(i).type()) {
      case JOB, SUBWORKFLOW -> attempts.stop(f, i);
      case FOREACH, WHILE -> {
        if (f.loops[i] != null) loop(f.loops[i], why, now);
      }
      case SIGNAL -> signals.cancel(f, i);
      case SLEEP, NOOP -> {}
    }
  }

  /** Ends every iteration under way, Stopped, and starts no more. */
  @Override
  public void loop(LoopState loop, String why, Instant now) {
    loop.closed = true;
    for (Frame iteration : List.copyOf(loop.active.values())) {
      frame(iteration, why, now);
      loops.endIteration(loop, iteration, StepState.Stopped);
    }
  }

  // ---- skips -------------------------------------------------------------------------------

  /**
   * Skips the named steps' unfinished occurrences now; future ones are skipped as they get ready.
   */
  void skipRequested(Set<String> ids, Instant now) {
    skip = ids == null ? Set.of() : Set.copyOf(ids);
    if (skip.isEmpty() || header.phase() != InstancePhase.Running) return;
    for (Frame f : top.withIterations()) {
      if (f.ended) continue;
      for (int i = 0; i < f.n; i++) {
        if (!f.state[i].isFinal() && skip.contains(f.step(i).id())) skip(f, i, now);
      }
    }
  }

  /** Whether the user asked to skip the step with this id. */
  boolean skipped(String stepId) {
    return skip.contains(stepId);
  }

  /** Ends the step Skipped, stopping what runs for it; its dependents may go. */
  void skip(Frame f, int i, Instant now) {
    if (f.isRunning(i)) work(f, i, "the step was skipped", now);
    if (f.startTime[i] == null) f.startTime[i] = now;
    f.endTime[i] = now;
    f.retryAt[i] = null;
    outcomes.moved(f, i, StepState.Skipped, "skipped by the user");
    agenda.satisfied(f, i);
  }
}
