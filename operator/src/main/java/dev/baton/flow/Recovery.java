package dev.baton.flow;

import dev.baton.api.IterationFailurePolicy;
import dev.baton.api.IterationStatus;
import dev.baton.api.Json;
import dev.baton.api.LoopStatus;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.StepType;
import dev.baton.dag.CompiledStep;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Values;
import dev.baton.flow.Command.SetTimer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's frames rebuilt from the status it wrote ({@link #restore}), and set going again with the
 * workloads found in the cluster ({@link #resume}). Steps the status does not mention stay Waiting;
 * loops get their finished iterations back as ranges, and their iterations under way as frames. A
 * run waiting to (re)start resumes the same way, with nothing found.
 */
final class Recovery {
  private final Frame top;
  private final Permits permits;
  private final Loops loops;
  private final StepRenderer renderer;
  private final Agenda agenda;
  private final Attempts attempts;
  private final SignalSteps signals;
  private final StepOutcomes outcomes;

  Recovery(
      Frame top,
      Permits permits,
      Loops loops,
      StepRenderer renderer,
      Agenda agenda,
      Attempts attempts,
      SignalSteps signals,
      StepOutcomes outcomes) {
    this.signals = signals;
    this.top = top;
    this.permits = permits;
    this.loops = loops;
    this.renderer = renderer;
    this.agenda = agenda;
    this.attempts = attempts;
    this.outcomes = outcomes;
  }

  /**
   * Loads the steps of the run's frame from {@code steps}; {@code startedAt} dates active steps
   * with no time.
   */
  void restore(Map<String, StepStatus> steps, Instant startedAt) {
    restoreFrame(top, steps, startedAt == null ? Instant.EPOCH : startedAt);
  }

  private void restoreFrame(Frame f, Map<String, StepStatus> steps, Instant startedAt) {
    f.changed.set(0, f.n);
    for (CompiledStep s : f.wf.steps()) {
      int i = s.index();
      StepStatus ss = steps == null ? null : steps.get(s.id());
      if (ss == null || ss.state == null) continue;
      StepState state = ss.state;
      f.attempt[i] = ss.attempt == null ? 0 : ss.attempt;
      // The name the attempt's workload was given, not one computed anew: a run started by an
      // older version keeps its names (and so its Jobs) across an upgrade that changed them.
      // Iterations do not record Job names; theirs are computed (see JobNames).
      f.workloadNames[i] =
          s.type() == StepType.JOB
              ? blankToNull(ss.jobName)
              : s.type() == StepType.SUBWORKFLOW ? blankToNull(ss.child) : null;
      f.startTime[i] = parse(ss.startTime);
      f.endTime[i] = parse(ss.endTime);
      f.retryAt[i] = parse(ss.retryAt);
      f.message[i] = ss.message;
      f.exitCode[i] = ss.exitCode;
      f.userErrors[i] = ss.userErrors == null ? 0 : ss.userErrors;
      f.platformErrors[i] = ss.platformErrors == null ? 0 : ss.platformErrors;
      f.timeouts[i] = ss.timeouts == null ? 0 : ss.timeouts;
      f.outputs[i] = ss.outputs;
      f.released[i] = ss.signal;
      f.emitted[i] = ss.emittedSignals == null ? null : List.copyOf(ss.emittedSignals);
      if (f.startTime[i] == null && Frame.isActive(state)) f.startTime[i] = startedAt;
      if (state == StepState.Retrying && f.retryAt[i] == null) f.retryAt[i] = f.startTime[i];
      if (s.type().isLoop() && state == StepState.Launching) state = StepState.Waiting;
      permits.moved(s.type(), f.state[i], state);
      f.moveTo(i, state);
      if ((state == StepState.Failed || state == StepState.TimedOut) && f.failedStep == null) {
        f.failedStep = s.id();
        f.failureMessage = "step \"" + s.id() + "\" failed: " + f.message[i];
      }
    }
    for (CompiledStep s : f.wf.steps()) {
      for (int j : s.dependencies()) {
        if (f.state[j].satisfiesDependents()) f.pendingDeps[s.index()]--;
      }
    }
    // Loops last: their items and iterations may read the steps restored above.
    for (CompiledStep s : f.wf.steps()) {
      int i = s.index();
      StepStatus ss = steps == null ? null : steps.get(s.id());
      if (s.type().isLoop() && ss != null && ss.loop != null) restoreLoop(f, i, ss, startedAt);
    }
  }

  private void restoreLoop(Frame f, int i, StepStatus ss, Instant startedAt) {
    LoopState loop = new LoopState(f, i);
    f.loops[i] = loop;
    restoreRecords(loop, ss.loop);
    if (f.state[i] != StepState.Running) {
      loop.closed = f.state[i].isFinal();
      return;
    }
    if (!loop.isWhile) {
      try {
        loop.evaluateItems(renderer.frameScope(f));
      } catch (ExpressionException e) {
        loop.restoreError = "foreach: " + e.getMessage();
        return;
      }
    }
    if (ss.loop.active == null) return;
    for (Map.Entry<String, IterationStatus> e : ss.loop.active.entrySet()) {
      long k;
      try {
        k = Long.parseLong(e.getKey());
      } catch (NumberFormatException ex) {
        continue;
      }
      if (!mayRun(loop, k)) continue;
      Frame iteration = loops.newIteration(loop, k);
      Map<String, StepStatus> inner = new HashMap<>();
      if (e.getValue() != null && e.getValue().steps != null) {
        e.getValue()
            .steps
            .forEach((id, node) -> inner.put(id, Json.fromTree(node, StepStatus.class)));
      }
      restoreFrame(iteration, inner, startedAt);
    }
  }

  /**
   * Sets the restored frames going: at the start of a run (nothing launched), or after an operator
   * restart. {@code launched} holds the newest attempt whose workload exists, by path. A workload
   * newer than the status knows means the old operator created it but did not record it: the step
   * is running, not to be launched again, and so is its iteration.
   */
  void resume(Map<String, Integer> launched, Instant now) {
    for (String path : launched.keySet()) adoptIterations(StepPath.parse(path));
    resumeFrame(top, launched, now);
  }

  /** Every unfinished step of a frame picks up where the status left it. Recurses into loops. */
  private void resumeFrame(Frame f, Map<String, Integer> launched, Instant now) {
    for (CompiledStep s : f.wf.steps()) {
      int i = s.index();
      if (f.state[i].isFinal()) continue;
      StepPath path = f.path(i);
      int seen = launched.getOrDefault(path.toString(), 0);
      if ((s.type() == StepType.JOB || s.type() == StepType.SUBWORKFLOW) && seen > f.attempt[i]) {
        attempts.adopt(f, i, seen, now);
        continue;
      }
      switch (f.state[i]) {
        case Waiting -> {
          if (f.pendingDeps[i] == 0) agenda.ready(f, i);
        }
        // What fell due while no operator ran happens now, not through a timer due at once.
        case Retrying -> {
          if (f.retryAt[i].isAfter(now)) {
            agenda.command(
                new SetTimer(new TimerKey(TimerKey.Kind.RETRY, path, f.attempt[i]), f.retryAt[i]));
          } else {
            outcomes.retryDue(f, i, now);
          }
        }
        case Launching, Running -> {
          switch (s.type()) {
            case SLEEP -> {
              Instant wakeAt = f.startTime[i].plus(s.sleep());
              if (wakeAt.isAfter(now))
                agenda.command(
                    new SetTimer(new TimerKey(TimerKey.Kind.SLEEP, path, f.attempt[i]), wakeAt));
              else outcomes.succeeded(f, i, Map.of(), now);
            }
            case NOOP -> outcomes.succeeded(f, i, Map.of(), now);
            // Waits again; a matching Signal made while no operator ran releases it at once.
            case SIGNAL -> signals.await(f, i, null, now);
            case JOB, SUBWORKFLOW -> attempts.reattach(f, i, seen, now);
            case FOREACH, WHILE -> resumeLoop(f, i, launched, now);
          }
        }
        default -> {}
      }
    }
    agenda.check(f);
  }

  private void resumeLoop(Frame f, int i, Map<String, Integer> launched, Instant now) {
    LoopState loop = f.loops[i];
    if (loop == null || loop.restoreError != null) {
      String why =
          loop == null ? "internal error: the loop's record is missing" : loop.restoreError;
      outcomes.failed(f, i, FailureKind.FATAL, why, now);
      return;
    }
    agenda.armStepTimeout(f, i);
    for (Frame iteration : List.copyOf(loop.active.values())) resumeFrame(iteration, launched, now);
    agenda.advance(loop);
  }

  /**
   * Makes the iterations on {@code path} that have a workload but no record active again: the old
   * operator started them and did not write so.
   */
  private void adoptIterations(StepPath p) {
    if (p == null) return;
    Frame f = top;
    Integer i = f.wf.indexById().get(p.step(0));
    for (int level = 0; i != null && level < p.depth(); level++) {
      LoopState loop = f.loops[i];
      if (loop == null || f.state[i] != StepState.Running || loop.closed) return;
      long index = p.iteration(level);
      if (index < 0) return;
      Frame iteration = loop.active.get(index);
      if (iteration == null) {
        if (!mayRun(loop, index)) return;
        iteration = loops.newIteration(loop, index);
      }
      f = iteration;
      i = f.wf.indexById().get(p.step(level + 1));
    }
  }

  /** Iteration {@code k} is one of the loop's and has not finished. */
  private static boolean mayRun(LoopState loop, long k) {
    return !loop.isFinished(k) && k >= 0 && (loop.total < 0 || k < loop.total);
  }

  /**
   * A loop's finished iterations from its written record: ranges, counts, errors, leaves and a
   * while loop's last. Iterations under way are the caller's.
   */
  private static void restoreRecords(LoopState loop, LoopStatus ls) {
    try {
      loop.succeeded = RangeSet.parse(ls.succeeded);
      loop.unsuccessful = RangeSet.parse(ls.unsuccessful);
    } catch (IllegalArgumentException e) {
      loop.restoreError =
          "the loop's record of finished iterations is unreadable: " + e.getMessage();
      return;
    }
    loop.iterations[StepState.Succeeded.ordinal()] = loop.succeeded.size();
    long other = 0;
    if (ls.states != null) {
      for (Map.Entry<String, Long> e : ls.states.entrySet()) {
        StepState s = StatusProjection.state(e.getKey());
        if (s == null || s == StepState.Succeeded || s == StepState.Running || e.getValue() == null)
          continue;
        loop.iterations[s.ordinal()] = e.getValue();
        other += e.getValue();
      }
    }
    if (other != loop.unsuccessful.size()) {
      // Counts that disagree with the ranges (a restart kept the one, not the other): the ranges
      // win.
      for (StepState s : StepState.values())
        if (s != StepState.Succeeded) loop.iterations[s.ordinal()] = 0;
      loop.iterations[StepState.Failed.ordinal()] = loop.unsuccessful.size();
    }
    if (ls.errors != null) {
      for (String e : ls.errors) if (loop.errors.size() < LoopState.MAX_ERRORS) loop.errors.add(e);
      if (!loop.errors.isEmpty()) loop.firstFailure = loop.errors.getFirst();
    }
    if (loop.policy == IterationFailurePolicy.STOP
        && loop.iterations[StepState.Failed.ordinal()] > 0) {
      loop.stopping = true;
    }
    if (ls.finishedLeaves != null) {
      ls.finishedLeaves.forEach((name, count) -> {
        StepState s = StatusProjection.state(name);
        if (s != null && count != null) loop.finishedLeaves[s.ordinal()] = count;
      });
    }
    if (loop.isWhile) {
      if (ls.total != null) loop.total = ls.total;
      if (ls.last != null && ls.last.isObject()) {
        loop.lastJson = ls.last;
        @SuppressWarnings("unchecked")
        Map<String, Object> last = (Map<String, Object>) Values.fromJson(ls.last);
        loop.lastScope = last;
      }
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  static Instant parse(String t) {
    return t == null ? null : Instant.parse(t);
  }
}
