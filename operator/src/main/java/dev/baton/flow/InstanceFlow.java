package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.api.WorkflowSpec;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Values;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.Permits.AwaitingPermit;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The state machine of one run. Events in, commands out, no I/O and no clock of its own: every
 * event carries its time. Not thread-safe; {@link FlowActor} feeds it one event at a time.
 *
 * <h2>Frames</h2>
 *
 * The run is a {@link Frame} over the compiled workflow; each iteration of a foreach or while step
 * under way is a frame over the loop step's body, with the same rules. A step occurrence is named
 * by its path ({@code days.3.work}), which every event, command and timer carries. Finished
 * iterations keep no frame: their loop ({@link LoopState}) keeps counts and index ranges.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>A step becomes ready when every dependency is Succeeded, Skipped or CompletedWithError. A
 *       Skipped dependency counts as done: skips do not propagate. A step that should not run after
 *       a skipped one says so in its own {@code if}, e.g. {@code steps.load.state == 'Succeeded'}.
 *   <li>A ready step whose {@code if} is false is Skipped; otherwise it is launched: a job step
 *       gets a Job per attempt, a subworkflow step a child instance per attempt, a sleep step a
 *       timer, a noop step succeeds at once, a loop step starts its iterations.
 *   <li>Job, sleep and subworkflow steps need a permit: at most {@code stepConcurrency} of them are
 *       Launching or Running at once, across all frames. The others wait, in order.
 *   <li>A failed attempt is retried after its backoff while the budget of its kind (user, platform,
 *       timeout) lasts. Then the step's failure mode decides: IGNORE_FAILURE ends it
 *       CompletedWithError, FAIL_AFTER_RUNNING starts nothing new in its frame and fails the frame
 *       once the running steps end, FAIL_IMMEDIATELY stops the frame's running steps and fails it
 *       now. A failed frame is a failed run at the top, a failed iteration inside a loop.
 *   <li>Stop, and the workflow timeout, stop the running Jobs and children in every frame and end
 *       every unfinished step Stopped. Skip ends the named steps' unfinished occurrences Skipped,
 *       now and in iterations to come.
 *   <li>Events about an attempt that is no longer current, or about an iteration that is over, are
 *       ignored, so duplicates and late arrivals are harmless.
 * </ul>
 *
 * <h2>Collaborators</h2>
 *
 * This class starts the run, starts ready steps and ends frames; the rest is handed out, and
 * reports back through {@link StepOutcomes}. {@link Frame} keeps a frame's steps and their counts
 * by state, {@link Agenda} what an event set in motion, {@link Permits} the stepConcurrency
 * permits, {@link Attempts} a step's attempts and their workloads, {@link Loops} the iterations of
 * loop steps, {@link StepRenderer} what a launch renders, {@link FailureRules} what a failure means
 * (with {@link RetryBudget}, whether it is retried), {@link StopRules} what stopping and skipping
 * mean, {@link TimerRules} what a fired timer means, {@link RunHeader} and {@link StatusProjection}
 * the status, and {@link Recovery} the state rebuilt from it after an operator restart.
 */
public final class InstanceFlow {
  private final CompiledWorkflow wf;
  private final RunHeader header;
  private final Frame top;
  private final Agenda agenda = new Agenda();
  private final Permits permits;
  private final StatusProjection status;
  private final StepRenderer renderer;
  private final Loops loops;
  private final Attempts attempts;
  private final SignalSteps signals;
  private final Recovery recovery;
  private final StepOutcomes outcomes;
  private final TimerRules timers;
  private final StopRules stops;
  private final FailureRules failures;

  private long transitions;

  /**
   * @param definition the pinned spec as JSON, echoed into the status
   * @param runParams the resolved params (defaults merged with the run's own)
   */
  public InstanceFlow(
      String instance, CompiledWorkflow wf, JsonNode definition, Map<String, JsonNode> runParams) {
    this.wf = wf;
    this.header = new RunHeader(wf.hash(), definition, runParams);
    this.top = new Frame(wf, null, 0, "", Map.of(), Map.of(), null);
    this.permits =
        new Permits(
            wf.spec() == null
                ? WorkflowSpec.DEFAULT_STEP_CONCURRENCY
                : wf.spec().stepConcurrencyOrDefault());
    this.status = new StatusProjection(instance);
    this.renderer =
        new StepRenderer(
            Collections.unmodifiableMap(Values.fromJsonMap(runParams)), wf.templates());
    this.outcomes = new Rules();
    this.loops = new Loops(agenda, renderer, status, outcomes);
    this.signals = new SignalSteps(top, agenda, renderer, outcomes, header);
    this.attempts = new Attempts(instance, top, agenda, renderer, outcomes, signals);
    this.recovery =
        new Recovery(top, permits, loops, renderer, agenda, attempts, signals, outcomes);
    this.stops =
        new StopRules(top, header, agenda, outcomes, attempts, signals, loops, this::finish);
    this.failures = new FailureRules(agenda, outcomes, stops);
    this.timers = new TimerRules(wf, top, outcomes, stops, signals, attempts);
  }

  /** The rules below, as the collaborators may invoke them. */
  private final class Rules implements StepOutcomes {
    @Override
    public void moved(Frame f, int i, StepState next, String why) {
      setState(f, i, next, why);
    }

    @Override
    public void succeeded(Frame f, int i, Map<String, JsonNode> outputs, Instant now) {
      succeed(f, i, outputs, now);
    }

    @Override
    public void emitted(Frame f, int i, Instant now) {
      finishSuccess(f, i, f.outputs[i] == null ? Map.of() : f.outputs[i], now);
    }

    @Override
    public void attemptFailed(
        Frame f, int i, FailureKind kind, String why, Integer exitCode, Instant now) {
      failures.attemptFailed(f, i, kind, why, exitCode, now);
    }

    @Override
    public void retryDue(Frame f, int i, Instant now) {
      if (f.state[i] == StepState.Retrying) launchOrWait(f, i, null, now);
    }

    @Override
    public void failed(Frame f, int i, FailureKind kind, String why, Instant now) {
      failures.failed(f, i, kind, why, now);
    }
  }

  /** Handles one event and returns what the runtime should do about it. */
  public List<Command> handle(FlowEvent event) {
    if (header.phase().isFinal()) return List.of();
    agenda.begin();
    Instant now = event.at();
    switch (event) {
      case FlowEvent.Start s -> start(now);
      case FlowEvent.Resume r -> resume(r.launchedAttempts(), now);
      case FlowEvent.StatusTooLarge e -> stops.run(InstancePhase.Failed, e.message(), now);
      case FlowEvent.StopRequested s ->
          stops.run(InstancePhase.Stopped, "stopped by the user", now);
      case FlowEvent.InternalError e ->
          stops.run(InstancePhase.Failed, "internal error: " + e.message(), now);
      case FlowEvent.StepLaunched e -> attempts.onLaunched(e.path(), e.attempt(), now);
      case FlowEvent.StepStarted e -> attempts.onStarted(e.path(), e.attempt(), now);
      case FlowEvent.StepStuck e -> attempts.onStuck(e, now);
      case FlowEvent.WorkloadsObserved e -> {
        attempts.onObserved(e.present(), now);
        attempts.reap(e.active());
      }
      case FlowEvent.WorkloadGone e -> attempts.onGone(e.path(), e.attempt(), now);
      case FlowEvent.StepLaunchFailed e -> attempts.onLaunchFailed(e, now);
      case FlowEvent.StepSucceeded e -> attempts.onSucceeded(e, now);
      case FlowEvent.StepFailed e -> attempts.onFailed(e, now);
      case FlowEvent.TimerFired t -> timers.fired(t.timer(), now);
      case FlowEvent.ChildObserved c -> attempts.onChild(c, now);
      case FlowEvent.SkipRequested s -> stops.skipRequested(s.stepIds(), now);
      case FlowEvent.SignalArrived e -> signals.onArrived(e, now);
      case FlowEvent.SignalsEmitted e -> signals.onEmitted(e, now);
      case FlowEvent.SignalEmitFailed e -> signals.onEmitFailed(e, now);
    }
    settle(now);
    return agenda.end();
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Starts the run. After {@link #restore} of a run waiting to (re)start, kept steps stay as they
   * are: every Waiting step whose dependencies are satisfied starts, and loops run only the
   * iterations their records do not hold as finished.
   */
  private void start(Instant now) {
    if (!header.waitingToStart()) return;
    header.start(now);
    attempts.runDeadline(now.plus(wf.timeout()));
    agenda.command(new SetTimer(TimerKey.workflowTimeout(), now.plus(wf.timeout())));
    recovery.resume(Map.of(), now);
    agenda.statusChanged();
  }

  /**
   * Continues a run after an operator restart, from the frames {@link #restore} rebuilt and the
   * newest attempt whose workload exists, by path (see {@link Recovery#resume}).
   */
  private void resume(Map<String, Integer> launched, Instant now) {
    if (header.waitingToStart()) {
      start(now);
      return;
    }
    attempts.runDeadline(header.startedAt().plus(wf.timeout()));
    agenda.command(new SetTimer(TimerKey.workflowTimeout(), header.startedAt().plus(wf.timeout())));
    recovery.resume(launched, now);
    agenda.statusChanged();
  }

  private void finish(InstancePhase endPhase, String why, Instant now) {
    header.finish(endPhase, why, now);
    agenda.clear();
    permits.clear();
    agenda.statusChanged();
  }

  // ---- scheduling --------------------------------------------------------------------------

  /**
   * Runs everything the event set in motion: ready steps, permits freed, loops to advance, frames
   * that may have ended. Each can feed the others, so it loops until all are empty.
   */
  private void settle(Instant now) {
    while (header.phase() == InstancePhase.Running) {
      Occurrence ready;
      AwaitingPermit permitted;
      LoopState loop;
      Frame frame;
      if ((ready = agenda.nextReady()) != null) {
        startReady(ready.frame(), ready.index(), now);
      } else if ((permitted = permits.next()) != null) {
        agenda.dequeued(permitted.frame(), permitted.index());
        startPermitted(permitted, now);
      } else if ((loop = agenda.nextLoop()) != null) {
        loops.advance(loop, now);
      } else if ((frame = agenda.nextFrame()) != null) {
        checkFrame(frame, now);
      } else {
        break;
      }
    }
  }

  /** A step whose dependencies are done: skipped, or launched now, or queued for a permit. */
  private void startReady(Frame f, int i, Instant now) {
    if (f.ended || f.state[i] != StepState.Waiting || f.failedStep != null) return;
    CompiledStep s = f.step(i);
    if (stops.skipped(s.id())) {
      stops.skip(f, i, now);
      return;
    }
    // Step params are rendered once here: the condition sees them, and so does the Job.
    Map<String, String> stepParams;
    try {
      stepParams = renderer.stepParams(f, s);
    } catch (ExpressionException e) {
      failures.failed(
          f, i, FailureKind.FATAL, "could not render the step's params: " + e.getMessage(), now);
      return;
    }
    if (s.condition() != null) {
      boolean run;
      try {
        run = s.condition().test(renderer.stepScope(f, stepParams));
      } catch (ExpressionException e) {
        failures.failed(f, i, FailureKind.FATAL, "if " + e.getMessage(), now);
        return;
      }
      if (!run) {
        f.startTime[i] = now;
        f.endTime[i] = now;
        setState(f, i, StepState.Skipped, "if was false: " + s.condition().source());
        agenda.satisfied(f, i);
        return;
      }
    }
    switch (s.type()) {
      // Signal steps wait in the operator and take no permit, like noop.
      case NOOP, SIGNAL -> attempts.launch(f, i, stepParams, now);
      case FOREACH, WHILE -> loops.start(f, i, now);
      case JOB, SLEEP, SUBWORKFLOW -> launchOrWait(f, i, stepParams, now);
    }
  }

  /** Launches a step that needs a permit if one is free; else it waits in line for one. */
  private void launchOrWait(Frame f, int i, Map<String, String> stepParams, Instant now) {
    if (permits.isFree()) {
      attempts.launch(f, i, stepParams, now);
      return;
    }
    if (f.queue(i)) permits.await(new AwaitingPermit(f, i, stepParams));
    f.message[i] =
        "waiting for a permit: "
            + permits.limit()
            + " of "
            + permits.limit()
            + " steps running (stepConcurrency)";
    f.markChanged(i);
    agenda.statusChanged();
  }

  private void startPermitted(AwaitingPermit p, Instant now) {
    Frame f = p.frame();
    int i = p.index();
    if (f.ended) return;
    if (f.state[i] == StepState.Waiting && f.failedStep == null) {
      attempts.launch(f, i, p.stepParams(), now);
    } else if (f.state[i] == StepState.Retrying) {
      attempts.launch(f, i, null, now);
    }
  }

  /** Ends a frame once nothing in it can move: the run's phase at the top, an iteration below. */
  private void checkFrame(Frame f, Instant now) {
    if (f.ended || !f.quiet()) return;
    StepState outcome;
    if (f.finished == f.n) {
      outcome = f.failedStep == null ? StepState.Succeeded : StepState.Failed;
    } else if (f.failedStep != null) {
      String where = f.owner == null ? "the run" : "the iteration";
      for (int i = 0; i < f.n; i++) {
        if (f.state[i] == StepState.Waiting) {
          f.endTime[i] = now;
          setState(
              f,
              i,
              StepState.Stopped,
              "not started: " + where + " failed at step \"" + f.failedStep + "\"");
        }
      }
      outcome = StepState.Failed;
    } else {
      // Unreachable in a DAG: roots always start, and a step waits only on unfinished steps.
      stops.frame(f, "internal error: no step is running and none can start", now);
      if (f.owner == null) {
        finish(InstancePhase.Failed, "internal error: no step is running and none can start", now);
        return;
      }
      f.failureMessage = "internal error: no step is running and none can start";
      outcome = StepState.Failed;
    }
    if (f.owner == null) {
      if (outcome == StepState.Succeeded)
        finish(InstancePhase.Succeeded, "all " + f.n + " steps finished", now);
      else finish(InstancePhase.Failed, f.failureMessage, now);
    } else {
      loops.endIteration(f.owner, f, outcome);
    }
  }

  // ---- steps -------------------------------------------------------------------------------

  /**
   * A step's work succeeded. Its output signals, if it has any, are created first (it stays Running
   * meanwhile, and reports of its work are ignored); then it is Succeeded.
   */
  private void succeed(Frame f, int i, Map<String, JsonNode> result, Instant now) {
    if (f.emitting[i] || signals.emit(f, i, result, now)) return;
    finishSuccess(f, i, result, now);
  }

  private void finishSuccess(Frame f, int i, Map<String, JsonNode> result, Instant now) {
    f.outputs[i] = result.isEmpty() ? null : result;
    f.endTime[i] = now;
    setState(
        f,
        i,
        StepState.Succeeded,
        f.released[i] == null ? null : "released by signal " + f.released[i].name);
    agenda.satisfied(f, i);
  }

  /** A step's state changes: its frame's counts, the permits, its status entry. */
  private void setState(Frame f, int i, StepState next, String why) {
    permits.moved(f.step(i).type(), f.state[i], next);
    f.moveTo(i, next);
    if (why != null || next != StepState.Running) f.message[i] = why;
    f.markChanged(i);
    transitions++;
    agenda.check(f);
    agenda.statusChanged();
  }

  // ---- status ------------------------------------------------------------------------------

  public InstancePhase phase() {
    return header.phase();
  }

  /** Step state changes so far, for benchmarks and metrics. */
  public long transitions() {
    return transitions;
  }

  /** The state of the occurrence at {@code path} (a step id at the top), or null if none. */
  public StepState stepState(String path) {
    return stepState(StepPath.parse(path));
  }

  /** The state of the occurrence at {@code path}, or null if none. */
  public StepState stepState(StepPath path) {
    Occurrence o = top.locate(path);
    return o == null ? null : o.frame().state[o.index()];
  }

  /** Job, sleep and subworkflow steps holding a permit now. */
  public int runningSteps() {
    return permits.held();
  }

  /** The whole status as it should be written now. */
  public WorkflowInstanceStatus snapshot() {
    WorkflowInstanceStatus st = header.toStatus();
    status.project(top, st);
    st.activeChildren = permits.children() == 0 ? null : permits.children();
    return st;
  }

  /**
   * Loads a run's state from its written status (see {@link Recovery}): before a {@link
   * FlowEvent.Resume}, or before the {@link FlowEvent.Start} of a run waiting to (re)start.
   */
  public void restore(WorkflowInstanceStatus status) {
    header.restore(status);
    recovery.restore(status.steps, header.startedAt());
  }
}
