package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.Durations;
import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.StepType;
import dev.baton.api.SubworkflowMode;
import dev.baton.api.WorkflowSpec;
import dev.baton.dag.CompiledStep;
import dev.baton.expr.ExpressionException;
import dev.baton.flow.Command.ConfirmGone;
import dev.baton.flow.Command.CreateChild;
import dev.baton.flow.Command.CreateJob;
import dev.baton.flow.Command.DeleteJob;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.Command.StopChild;
import dev.baton.flow.FlowEvent.ChildObserved;
import dev.baton.flow.FlowEvent.StepFailed;
import dev.baton.flow.FlowEvent.StepLaunchFailed;
import dev.baton.flow.FlowEvent.StepStuck;
import dev.baton.flow.FlowEvent.StepSucceeded;
import dev.baton.util.Text;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * A step's attempts, and the workloads of job and subworkflow steps' attempts: a Job, or a child
 * instance. Starts an attempt, stops its workload, and reads what the runtime reports about it;
 * what a success or a failure means is {@link StepOutcomes}'. Reports about an attempt that is no
 * longer current are ignored.
 */
final class Attempts {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A STUCK timer may fire this much early: Timers rounds its delay down to whole milliseconds. */
  private static final Duration TIMER_SLACK = Duration.ofSeconds(1);

  /** Stuck reasons that waiting cannot cure: the attempt fails at once. */
  private static final Set<String> HOPELESS = Set.of("InvalidImageName", "ErrImageNeverPull");

  /**
   * A workload still missing this long after the runtime was asked about it is asked about again.
   */
  static final Duration CONFIRM_AGAIN = Duration.ofMinutes(1);

  private final String instance;
  private final Frame top;
  private final Agenda agenda;
  private final StepRenderer renderer;
  private final StepOutcomes outcomes;
  private final SignalSteps signals;

  /** When the run times out; set when it starts or resumes. */
  private Instant runDeadline;

  Attempts(
      String instance,
      Frame top,
      Agenda agenda,
      StepRenderer renderer,
      StepOutcomes outcomes,
      SignalSteps signals) {
    this.signals = signals;
    this.instance = instance;
    this.top = top;
    this.agenda = agenda;
    this.renderer = renderer;
    this.outcomes = outcomes;
  }

  /**
   * Starts the next attempt of a noop, sleep, signal, job or subworkflow step; {@code stepParams}
   * are rendered anew when null.
   */
  void launch(Frame f, int i, Map<String, String> stepParams, Instant now) {
    CompiledStep s = f.step(i);
    f.attempt[i]++;
    f.workloadNames[i] = null;
    f.startTime[i] = now;
    f.endTime[i] = null;
    f.retryAt[i] = null;
    f.stuck[i] = null;
    f.stuckSince[i] = null;
    f.released[i] = null;
    f.emitted[i] = null;
    f.emitting[i] = false;
    switch (s.type()) {
      case NOOP -> outcomes.succeeded(f, i, Map.of(), now);
      case SIGNAL -> signals.await(f, i, stepParams, now);
      case SLEEP -> {
        outcomes.moved(f, i, StepState.Running, "sleeping for " + s.definition().sleep);
        agenda.command(
            new SetTimer(
                new TimerKey(TimerKey.Kind.SLEEP, f.path(i), f.attempt[i]), now.plus(s.sleep())));
      }
      case JOB, SUBWORKFLOW -> launchWorkload(f, i, stepParams, now);
      case FOREACH, WHILE -> throw new IllegalStateException("loops start in Loops.start");
    }
  }

  /** Renders the current attempt's workload and asks for it; {@code rendered} null: params anew. */
  private void launchWorkload(Frame f, int i, Map<String, String> rendered, Instant now) {
    CompiledStep s = f.step(i);
    boolean job = s.type() == StepType.JOB;
    Command create;
    try {
      Map<String, String> stepParams = rendered != null ? rendered : renderer.stepParams(f, s);
      if (job) {
        StepRenderer.RenderedJob r = renderer.job(f, s, stepParams);
        create =
            new CreateJob(
                f.path(i),
                f.attempt[i],
                name(f, i),
                s.definition().job,
                r.command(),
                r.args(),
                r.env(),
                stepParams,
                s.timeout(),
                now,
                runDeadline);
      } else {
        create =
            new CreateChild(
                f.path(i),
                f.attempt[i],
                name(f, i),
                s.definition().subworkflow.workflow,
                renderer.childParams(f, s, stepParams));
      }
    } catch (ExpressionException e) {
      String what = job ? "the job" : "the subworkflow params";
      outcomes.failed(
          f, i, FailureKind.FATAL, "could not render " + what + ": " + e.getMessage(), now);
      return;
    }
    f.workloadSeen[i] = false;
    f.goneAskedAt[i] = null;
    outcomes.moved(f, i, StepState.Launching, null);
    agenda.command(create);
    agenda.armStepTimeout(f, i);
  }

  void runDeadline(Instant at) {
    runDeadline = at;
  }

  /**
   * Jobs still running that should not be: older attempts of a step, or the current attempt of a
   * step that ended or waits to retry, or of an iteration that is over. Deleted again on every
   * observation (the runtime rate-limits deletes by name): a delete that was lost, or a create that
   * landed after its delete, is undone. A Job of an attempt newer than the engine knows is left
   * alone.
   */
  void reap(java.util.List<FlowEvent.ActiveJob> active) {
    for (FlowEvent.ActiveJob j : active) {
      Occurrence o = top.locate(j.path());
      boolean stale;
      if (o == null) {
        stale = true;
      } else {
        Frame f = o.frame();
        int i = o.index();
        stale =
            f.step(i).type() == StepType.JOB
                && (j.attempt() < f.attempt[i]
                    || (j.attempt() == f.attempt[i]
                        && !f.isRunning(i)
                        && f.state[i] != StepState.Waiting));
      }
      if (stale) agenda.command(new DeleteJob(j.path(), j.attempt(), j.name()));
    }
  }

  /** Tells the current attempt's workload to stop; the step's state is the caller's. */
  void stop(Frame f, int i) {
    if (f.step(i).type() == StepType.JOB) {
      agenda.command(new DeleteJob(f.path(i), f.attempt[i], name(f, i)));
    } else {
      agenda.command(new StopChild(f.path(i), f.attempt[i], name(f, i)));
      // The child ends its unfinished steps Stopped, but this run may not hear of it: it may have
      // ended, or folded the step's iteration into its loop's counts, by then.
      f.childRollups[i] = StatusProjection.stopped(f.childRollups[i]);
    }
  }

  /** After a restore: attempt {@code seen}, newer than the status knows, exists; it runs. */
  void adopt(Frame f, int i, int seen, Instant now) {
    f.attempt[i] = seen;
    f.workloadNames[i] = null;
    f.workloadSeen[i] = true;
    f.goneAskedAt[i] = null;
    f.startTime[i] = now;
    f.endTime[i] = null;
    outcomes.moved(
        f, i, StepState.Running, "recovered: found the " + word(f.step(i)) + " of attempt " + seen);
    agenda.armStepTimeout(f, i);
  }

  /** After a restore, a Launching or Running step; {@code seen} is its newest attempt found. */
  void reattach(Frame f, int i, int seen, Instant now) {
    if (seen == f.attempt[i]) {
      f.workloadSeen[i] = true;
      agenda.armStepTimeout(f, i);
      launched(f, i, now);
    } else if (f.state[i] == StepState.Launching) {
      // The create may never have reached the API server; the name is the same, so creating
      // again is safe either way.
      launchWorkload(f, i, null, now);
    } else {
      outcomes.attemptFailed(
          f,
          i,
          FailureKind.PLATFORM,
          "the " + word(f.step(i)) + " of attempt " + f.attempt[i] + " is gone",
          null,
          now);
    }
  }

  /** The attempt's workload exists (StepLaunched), or its pod runs (StepStarted). */
  void onLaunched(StepPath path, int attempt, Instant now) {
    Occurrence o = current(path, attempt);
    if (o != null && o.frame().state[o.index()] == StepState.Launching)
      launched(o.frame(), o.index(), now);
  }

  /** The attempt's pod runs: it is no longer stuck, if it was. */
  void onStarted(StepPath path, int attempt, Instant now) {
    Occurrence o = current(path, attempt);
    if (o == null) return;
    unstick(o.frame(), o.index());
    onLaunched(path, attempt, now);
  }

  /**
   * The attempt's pod is stuck, or (reason null) no longer. The step's message says why as soon as
   * it is; the attempt fails as a platform error once it has been stuck for the step's
   * pendingTimeout (a STUCK timer), at once for a reason waiting cannot cure.
   */
  void onStuck(StepStuck e, Instant now) {
    Occurrence o = runningJob(e.path(), e.attempt());
    if (o == null) return;
    Frame f = o.frame();
    int i = o.index();
    if (e.reason() == null) {
      unstick(f, i);
      return;
    }
    String what =
        e.reason()
            + (e.message() == null || e.message().isBlank()
                ? ""
                : ": " + Text.abbreviate(e.message().strip(), 300));
    boolean first = f.stuckSince[i] == null;
    if (!first && what.equals(f.stuck[i])) return;
    if (first) f.stuckSince[i] = e.since() == null || e.since().isAfter(now) ? now : e.since();
    f.stuck[i] = what;
    Duration timeout = pendingTimeout(f, i);
    Instant deadline = f.stuckSince[i].plus(timeout);
    if (HOPELESS.contains(e.reason()) || !now.isBefore(deadline)) {
      stop(f, i);
      outcomes.attemptFailed(f, i, FailureKind.PLATFORM, StepStuck.PREFIX + what, null, now);
      return;
    }
    f.message[i] =
        StepStuck.PREFIX
            + what
            + "; the attempt fails at "
            + deadline
            + " (pendingTimeout "
            + Durations.format(timeout)
            + ")";
    f.markChanged(i);
    agenda.statusChanged();
    if (first)
      agenda.command(
          new SetTimer(new TimerKey(TimerKey.Kind.STUCK, f.path(i), f.attempt[i]), deadline));
  }

  /**
   * When a STUCK timer fires: why the current attempt fails, if its pod is still stuck and has been
   * for its pendingTimeout; else null. (A timer of an earlier spell of being stuck fires early, and
   * is ignored: its spell armed its own.)
   */
  String stuckTooLong(Frame f, int i, Instant now) {
    if (!f.isRunning(i) || f.stuck[i] == null) return null;
    // The runtime's timers may fire a little early (millisecond rounding, two clocks); an earlier
    // spell's timer is early by far more.
    if (now.plus(TIMER_SLACK).isBefore(f.stuckSince[i].plus(pendingTimeout(f, i)))) return null;
    return StepStuck.PREFIX + f.stuck[i];
  }

  private void unstick(Frame f, int i) {
    if (f.stuckSince[i] == null) return;
    f.stuck[i] = null;
    f.stuckSince[i] = null;
    if (f.message[i] != null && f.message[i].startsWith(StepStuck.PREFIX)) f.message[i] = null;
    f.markChanged(i);
    agenda.statusChanged();
  }

  /** The step's pendingTimeout, else the workflow's, else the default. */
  private Duration pendingTimeout(Frame f, int i) {
    WorkflowSpec spec = top.wf.spec();
    Duration fallback =
        Durations.parseOr(
            spec == null ? null : spec.pendingTimeout, WorkflowSpec.DEFAULT_PENDING_TIMEOUT);
    return Durations.parseOr(f.step(i).definition().pendingTimeout, fallback);
  }

  private void launched(Frame f, int i, Instant now) {
    CompiledStep s = f.step(i);
    if (s.type() == StepType.SUBWORKFLOW
        && s.definition().subworkflow.modeOrDefault() == SubworkflowMode.ASYNC) {
      outcomes.succeeded(f, i, Map.of("child", NODES.textNode(name(f, i))), now);
      f.message[i] = "started child " + name(f, i);
    } else if (f.state[i] == StepState.Launching) {
      outcomes.moved(f, i, StepState.Running, null);
    }
  }

  void onLaunchFailed(StepLaunchFailed e, Instant now) {
    Occurrence o = current(e.path(), e.attempt());
    if (o == null || o.frame().state[o.index()] != StepState.Launching) return;
    FailureKind kind = e.retryable() ? FailureKind.PLATFORM : FailureKind.FATAL;
    outcomes.attemptFailed(
        o.frame(),
        o.index(),
        kind,
        "could not create the " + word(o.frame().step(o.index())) + ": " + e.message(),
        null,
        now);
  }

  /**
   * The workloads the informers hold now: the running steps' are seen. One seen before and missing
   * now is not taken for deleted: an informer's index can miss an object while it is being updated
   * (fabric8 #7265), so the API server is asked ({@link ConfirmGone}), and only its answer ({@link
   * #onGone}) fails the attempt. Asked once, and again after {@link #CONFIRM_AGAIN} if the workload
   * still is not seen, in case the answer was lost.
   */
  void onObserved(Map<String, Integer> present, Instant now) {
    for (Frame f : top.withIterations()) {
      if (f.ended) continue;
      for (int i = 0; i < f.n; i++) {
        StepType type = f.step(i).type();
        if ((type != StepType.JOB && type != StepType.SUBWORKFLOW) || !f.isRunning(i)) continue;
        Integer newest = present.get(f.path(i).toString());
        if (newest != null && newest == f.attempt[i]) {
          f.workloadSeen[i] = true;
          f.goneAskedAt[i] = null;
          if (f.state[i] == StepState.Launching) launched(f, i, now);
        } else if (f.workloadSeen[i]
            && (f.goneAskedAt[i] == null || !now.isBefore(f.goneAskedAt[i].plus(CONFIRM_AGAIN)))) {
          f.goneAskedAt[i] = now;
          agenda.command(
              new ConfirmGone(f.path(i), f.attempt[i], name(f, i), type == StepType.SUBWORKFLOW));
        }
      }
    }
  }

  /**
   * The API server says the current attempt's workload, seen before, is gone: deleted under the
   * step.
   */
  void onGone(StepPath path, int attempt, Instant now) {
    Occurrence o = current(path, attempt);
    if (o == null) return;
    Frame f = o.frame();
    int i = o.index();
    StepType type = f.step(i).type();
    if ((type != StepType.JOB && type != StepType.SUBWORKFLOW)
        || !f.isRunning(i)
        || !f.workloadSeen[i]) return;
    outcomes.attemptFailed(
        f,
        i,
        FailureKind.PLATFORM,
        "the "
            + word(f.step(i))
            + " of attempt "
            + f.attempt[i]
            + " was deleted before the step finished",
        null,
        now);
  }

  void onChild(ChildObserved c, Instant now) {
    Occurrence o = current(c.path(), c.attempt());
    if (o == null || o.frame().step(o.index()).type() != StepType.SUBWORKFLOW) return;
    Frame f = o.frame();
    int i = o.index();
    if (c.rollup() != null && f.childRollups[i] != c.rollup()) {
      f.childRollups[i] = c.rollup();
      f.markChanged(i);
      agenda.statusChanged();
    }
    if (!f.isRunning(i)) return;
    f.workloadSeen[i] = true;
    InstancePhase p = c.phase() == null ? InstancePhase.Pending : c.phase();
    switch (p) {
      case Pending, Queued, Running -> {
        if (f.state[i] == StepState.Launching) launched(f, i, now);
      }
      case Succeeded -> outcomes.succeeded(f, i, c.outputs() == null ? Map.of() : c.outputs(), now);
      case Failed, TimedOut, Stopped ->
          outcomes.attemptFailed(
              f,
              i,
              FailureKind.USER,
              "child " + name(f, i) + " " + p + (c.message() == null ? "" : ": " + c.message()),
              null,
              now);
    }
  }

  void onSucceeded(StepSucceeded e, Instant now) {
    Occurrence o = runningJob(e.path(), e.attempt());
    if (o == null) return;
    Map<String, JsonNode> parsed;
    try {
      parsed = StepOutputs.parse(e.terminationMessage());
    } catch (IllegalArgumentException bad) {
      // Bad output is a user error (FailureKind.USER, RetryPolicy.userErrors): retried.
      outcomes.attemptFailed(o.frame(), o.index(), FailureKind.USER, bad.getMessage(), 0, now);
      return;
    }
    o.frame().exitCode[o.index()] = 0;
    outcomes.succeeded(o.frame(), o.index(), parsed, now);
  }

  void onFailed(StepFailed e, Instant now) {
    Occurrence o = runningJob(e.path(), e.attempt());
    if (o != null)
      outcomes.attemptFailed(o.frame(), o.index(), e.kind(), e.message(), e.exitCode(), now);
  }

  /** The occurrence at {@code path} if {@code attempt} is its current one; else null. */
  private Occurrence current(StepPath path, int attempt) {
    Occurrence o = top.locate(path);
    return o != null && o.isCurrent(attempt) ? o : null;
  }

  private Occurrence runningJob(StepPath path, int attempt) {
    Occurrence o = current(path, attempt);
    return o != null
            && o.frame().isRunning(o.index())
            && o.frame().step(o.index()).type() == StepType.JOB
        ? o
        : null;
  }

  String name(Frame f, int i) {
    return f.workloadName(instance, i);
  }

  private static String word(CompiledStep s) {
    return s.type() == StepType.SUBWORKFLOW ? "child instance" : "Job";
  }
}
