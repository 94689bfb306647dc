package dev.baton.flow;

import dev.baton.api.Durations;
import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.StepType;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import java.time.Instant;
import java.util.Map;

/**
 * What a fired timer means: the run's timeout stops it; a step's timeout fails its attempt (a
 * loop's, the loop); a retry is due; a sleep is over; a signal step waited long enough; a pod was
 * stuck too long. A timer of an attempt that is no longer current means nothing.
 */
final class TimerRules {
  /** The stops a timer may make, which {@link StopRules} carries out. */
  interface Stops {
    /** Stops every unfinished step and ends the run in {@code endPhase}. */
    void run(InstancePhase endPhase, String why, Instant now);

    /** Ends every iteration under way of {@code loop}, and starts no more. */
    void loop(LoopState loop, String why, Instant now);

    /** Stops the step's running workload. */
    void work(Frame f, int i, String why, Instant now);
  }

  private final CompiledWorkflow wf;
  private final Frame top;
  private final StepOutcomes outcomes;
  private final Stops stops;
  private final SignalSteps signals;
  private final Attempts attempts;

  TimerRules(
      CompiledWorkflow wf,
      Frame top,
      StepOutcomes outcomes,
      Stops stops,
      SignalSteps signals,
      Attempts attempts) {
    this.wf = wf;
    this.top = top;
    this.outcomes = outcomes;
    this.stops = stops;
    this.signals = signals;
    this.attempts = attempts;
  }

  void fired(TimerKey t, Instant now) {
    if (t.kind() == TimerKey.Kind.WORKFLOW_TIMEOUT) {
      stops.run(
          InstancePhase.TimedOut,
          "the run passed its timeout of " + Durations.format(wf.timeout()),
          now);
      return;
    }
    Occurrence o = top.locate(t.path());
    if (o == null || !o.isCurrent(t.attempt())) return;
    Frame f = o.frame();
    int i = o.index();
    CompiledStep s = f.step(i);
    switch (t.kind()) {
      case STEP_TIMEOUT -> {
        if (!f.isRunning(i) || f.emitting[i]) return;
        if (s.type().isLoop()) {
          String why = "the loop ran past its timeout of " + s.definition().timeout;
          stops.loop(f.loops[i], why, now);
          f.outputs[i] = Loops.outputs(f.loops[i]);
          outcomes.failed(f, i, FailureKind.TIMEOUT, why, now);
        } else {
          stops.work(f, i, "timeout", now);
          outcomes.attemptFailed(
              f,
              i,
              FailureKind.TIMEOUT,
              "attempt " + f.attempt[i] + " ran past its timeout of " + s.definition().timeout,
              null,
              now);
        }
      }
      case RETRY -> outcomes.retryDue(f, i, now);
      case SIGNAL_TIMEOUT -> {
        if (s.type() != StepType.SIGNAL) return;
        String why = signals.timedOut(f, i);
        if (why != null) outcomes.attemptFailed(f, i, FailureKind.TIMEOUT, why, null, now);
      }
      case SLEEP -> {
        if (f.state[i] == StepState.Running) outcomes.succeeded(f, i, Map.of(), now);
      }
      case STUCK -> {
        String why = attempts.stuckTooLong(f, i, now);
        if (why != null) {
          stops.work(f, i, why, now);
          outcomes.attemptFailed(f, i, FailureKind.PLATFORM, why, null, now);
        }
      }
      case WORKFLOW_TIMEOUT -> throw new IllegalStateException();
    }
  }
}
