package dev.baton.flow;

import dev.baton.api.Durations;
import dev.baton.api.FailureMode;
import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.dag.CompiledStep;
import dev.baton.flow.Command.SetTimer;
import java.time.Instant;

/**
 * What a failure means. A failed attempt is retried after its backoff while the budget of its kind
 * (user, platform, timeout) lasts ({@link RetryBudget}). Then the step's failure mode decides:
 * IGNORE_FAILURE ends it CompletedWithError and lets its dependents go; otherwise it is Failed (or
 * TimedOut) and its frame records the first step that failed, which starts nothing new in the frame
 * and fails it once the running steps end (FAIL_AFTER_RUNNING); FAIL_IMMEDIATELY stops the frame's
 * running steps now ({@link StopRules}): the whole run at the top, the iteration inside a loop.
 */
final class FailureRules {
  private final Agenda agenda;
  private final StepOutcomes outcomes;
  private final StopRules stops;

  FailureRules(Agenda agenda, StepOutcomes outcomes, StopRules stops) {
    this.agenda = agenda;
    this.outcomes = outcomes;
    this.stops = stops;
  }

  /**
   * An attempt of a job or subworkflow step failed: retry after the backoff while its kind's budget
   * lasts. (Loops fail for good at once, through {@link #failed}.)
   */
  void attemptFailed(Frame f, int i, FailureKind kind, String why, Integer code, Instant now) {
    // The work succeeded; only the creation of its output signals can fail the step now.
    if (f.emitting[i]) return;
    f.exitCode[i] = code;
    switch (RetryBudget.after(
        kind, f.countFailure(i, kind), f.step(i).definition().retry, f.attempt[i])) {
      case RetryBudget.GiveUp g -> failed(f, i, kind, why + g.note(), now);
      case RetryBudget.Retry r -> {
        f.retryAt[i] = now.plus(r.delay());
        f.endTime[i] = now;
        outcomes.moved(
            f,
            i,
            StepState.Retrying,
            "attempt "
                + f.attempt[i]
                + " failed: "
                + why
                + "; retry in "
                + Durations.format(r.delay()));
        agenda.command(
            new SetTimer(new TimerKey(TimerKey.Kind.RETRY, f.path(i), f.attempt[i]), f.retryAt[i]));
      }
    }
  }

  /** No retries left: the failure mode decides what happens to the frame. */
  void failed(Frame f, int i, FailureKind kind, String why, Instant now) {
    CompiledStep s = f.step(i);
    f.endTime[i] = now;
    f.retryAt[i] = null;
    if (s.type().isLoop() && f.loops[i] != null) f.loops[i].closed = true;
    FailureMode mode = s.definition().failureModeOrDefault();
    if (mode == FailureMode.IGNORE_FAILURE) {
      outcomes.moved(f, i, StepState.CompletedWithError, why);
      agenda.satisfied(f, i);
      return;
    }
    outcomes.moved(f, i, kind == FailureKind.TIMEOUT ? StepState.TimedOut : StepState.Failed, why);
    if (f.failedStep == null) {
      f.failedStep = s.id();
      f.failureMessage = "step \"" + s.id() + "\" failed: " + why;
    }
    if (mode == FailureMode.FAIL_IMMEDIATELY) {
      if (f.owner == null) {
        stops.run(InstancePhase.Failed, f.failureMessage, now);
      } else {
        stops.frame(f, f.failureMessage, now);
        agenda.check(f);
      }
    }
  }
}
