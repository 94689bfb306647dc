package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.Conditions;
import dev.baton.api.Durations;
import dev.baton.api.FailureMode;
import dev.baton.api.InstancePhase;
import dev.baton.api.RunRecord;
import dev.baton.api.StepState;
import dev.baton.api.StepType;
import dev.baton.api.SubworkflowMode;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.api.WorkflowSpec;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Values;
import dev.baton.flow.Command.CreateChild;
import dev.baton.flow.Command.CreateJob;
import dev.baton.flow.Command.DeleteJob;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.Command.StopChild;
import dev.baton.flow.FlowEvent.ChildObserved;
import dev.baton.flow.FlowEvent.InternalError;
import dev.baton.flow.FlowEvent.Resume;
import dev.baton.flow.FlowEvent.SkipRequested;
import dev.baton.flow.FlowEvent.Start;
import dev.baton.flow.FlowEvent.StepFailed;
import dev.baton.flow.FlowEvent.StepLaunchFailed;
import dev.baton.flow.FlowEvent.StepLaunched;
import dev.baton.flow.FlowEvent.StepStarted;
import dev.baton.flow.FlowEvent.StepSucceeded;
import dev.baton.flow.FlowEvent.StopRequested;
import dev.baton.flow.FlowEvent.TimerFired;
import dev.baton.flow.FlowEvent.WorkloadsObserved;
import dev.baton.flow.Permits.AwaitingPermit;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *   <li>A step becomes ready when every dependency is Succeeded, Skipped or CompletedWithError.
 *       A Skipped dependency counts as done: skips do not propagate. A step that should not run
 *       after a skipped one says so in its own {@code if}, e.g. {@code steps.load.state ==
 *       'Succeeded'}.
 *   <li>A ready step whose {@code if} is false is Skipped; otherwise it is launched: a job step
 *       gets a Job per attempt, a subworkflow step a child instance per attempt, a sleep step a
 *       timer, a noop step succeeds at once, a loop step starts its iterations.
 *   <li>Job, sleep and subworkflow steps need a permit: at most {@code stepConcurrency} of them
 *       are Launching or Running at once, across all frames. The others wait, in order.
 *   <li>A failed attempt is retried after its backoff while the budget of its kind (user,
 *       platform, timeout) lasts. Then the step's failure mode decides: IGNORE_FAILURE ends it
 *       CompletedWithError, FAIL_AFTER_RUNNING starts nothing new in its frame and fails the frame
 *       once the running steps end, FAIL_IMMEDIATELY stops the frame's running steps and fails it
 *       now. A failed frame is a failed run at the top, a failed iteration inside a loop.
 *   <li>Stop, and the workflow timeout, stop the running Jobs and children in every frame and end
 *       every unfinished step Stopped. Skip ends the named steps' unfinished occurrences Skipped,
 *       now and in iterations to come.
 *   <li>Events about an attempt that is no longer current, or about an iteration that is over,
 *       are ignored, so duplicates and late arrivals are harmless.
 * </ul>
 *
 * <h2>Collaborators</h2>
 *
 * This class holds the rules; the rest is handed out. {@link Frame} keeps a frame's steps and
 * their counts by state, {@link Agenda} what an event set in motion, {@link Permits} the
 * stepConcurrency permits, {@link Loops} the iterations of loop steps, {@link StepRenderer} what a
 * launch renders, {@link RetryBudget} whether a failure is retried, {@link StatusProjection} the
 * status and {@link Recovery} the state rebuilt after an operator restart.
 */
public final class InstanceFlow {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String instance;
  private final CompiledWorkflow wf;
  private final JsonNode definition;
  private final Map<String, JsonNode> runParams;
  private final Frame top;
  private final Agenda agenda = new Agenda();
  private final Permits permits;
  private final StepRenderer renderer;
  private final StatusProjection status;
  private final Loops loops;
  private final Recovery recovery;

  private InstancePhase phase = InstancePhase.Pending;
  private Instant startedAt;
  private Instant endedAt;
  private String phaseMessage;
  private final List<Condition> conditions = new ArrayList<>();
  private long transitions;
  private Set<String> skip = Set.of();
  /** The run number and earlier runs, set by a restart (see {@link Restarts}); echoed as is. */
  private Integer run;
  private List<RunRecord> history;

  /**
   * @param definition the pinned spec as JSON, echoed into the status
   * @param runParams the resolved params (defaults merged with the run's own)
   */
  public InstanceFlow(
      String instance, CompiledWorkflow wf, JsonNode definition, Map<String, JsonNode> runParams) {
    this.instance = instance;
    this.wf = wf;
    this.definition = definition;
    this.runParams = Map.copyOf(runParams);
    this.permits = new Permits(wf.spec() == null ? WorkflowSpec.DEFAULT_STEP_CONCURRENCY : wf.spec().stepConcurrencyOrDefault());
    this.top = new Frame(wf, null, 0, "", Map.of(), Map.of(), null);
    this.renderer = new StepRenderer(Collections.unmodifiableMap(Values.fromJsonMap(runParams)), wf.templates());
    this.status = new StatusProjection(instance);
    this.loops = new Loops(agenda, renderer, status);
    this.recovery = new Recovery(top, permits, loops, renderer);
  }

  /** Handles one event and returns what the runtime should do about it. */
  public List<Command> handle(FlowEvent event) {
    if (phase.isFinal()) return List.of();
    agenda.begin();
    Instant now = event.at();
    switch (event) {
      case Start s -> start(now);
      case Resume r -> resume(r.launchedAttempts(), now);
      case StopRequested s -> abortRun(InstancePhase.Stopped, "stopped by the user", now);
      case InternalError e -> abortRun(InstancePhase.Failed, "internal error: " + e.message(), now);
      case StepLaunched e -> onLaunched(top.locate(e.stepId()), e.attempt(), now);
      case StepStarted e -> onLaunched(top.locate(e.stepId()), e.attempt(), now);
      case WorkloadsObserved e -> onWorkloadsObserved(e.present(), now);
      case StepLaunchFailed e -> onLaunchFailed(e, now);
      case StepSucceeded e -> onSucceeded(top.locate(e.stepId()), e.attempt(), e.terminationMessage(), now);
      case StepFailed e -> onFailed(e, now);
      case TimerFired t -> onTimer(t.timer(), now);
      case ChildObserved c -> onChild(c, now);
      case SkipRequested s -> onSkip(s.stepIds(), now);
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
    if (phase != InstancePhase.Pending && phase != InstancePhase.Queued) return;
    phase = InstancePhase.Running;
    startedAt = now;
    endedAt = null;
    phaseMessage = null;
    Conditions.set(conditions, "Completed", false, "Running", "the run is in progress", null, now);
    agenda.command(new SetTimer(TimerKey.workflowTimeout(), now.plus(wf.timeout())));
    resumeFrame(top, Map.of(), now);
    agenda.statusChanged();
  }

  /**
   * Continues a run after an operator restart. The frames were restored from the status by
   * {@link #restore}; {@code launched} holds the newest attempt whose workload exists, by path. A
   * workload newer than the status knows means the old operator created it but did not record
   * it: the step is running, not to be launched again, and so is its iteration.
   */
  private void resume(Map<String, Integer> launched, Instant now) {
    if (phase == InstancePhase.Pending || phase == InstancePhase.Queued) {
      start(now);
      return;
    }
    agenda.command(new SetTimer(TimerKey.workflowTimeout(), startedAt.plus(wf.timeout())));
    for (String path : launched.keySet()) recovery.adoptIterations(path);
    resumeFrame(top, launched, now);
    agenda.statusChanged();
  }

  /** Sets a frame going again: after a restore, or at the start. Recurses into loops. */
  private void resumeFrame(Frame f, Map<String, Integer> launched, Instant now) {
    for (CompiledStep s : f.wf.steps()) {
      int i = s.index();
      if (f.state[i].isFinal()) continue;
      String path = f.path(i);
      int seen = launched.getOrDefault(path, 0);
      if ((s.type() == StepType.JOB || s.type() == StepType.SUBWORKFLOW) && seen > f.attempt[i]) {
        f.attempt[i] = seen;
        f.workloadNames[i] = null;
        f.workloadSeen[i] = true;
        f.startTime[i] = now;
        f.endTime[i] = null;
        setState(f, i, StepState.Running, "recovered: found the " + workloadWord(s) + " of attempt " + seen);
        armStepTimeout(f, i);
        continue;
      }
      switch (f.state[i]) {
        case Waiting -> {
          if (f.pendingDeps[i] == 0) agenda.ready(f, i);
        }
        case Retrying -> agenda.command(new SetTimer(new TimerKey(TimerKey.Kind.RETRY, path, f.attempt[i]), f.retryAt[i]));
        case Launching, Running -> {
          switch (s.type()) {
            case SLEEP ->
                agenda.command(new SetTimer(new TimerKey(TimerKey.Kind.SLEEP, path, f.attempt[i]), f.startTime[i].plus(s.sleep())));
            case NOOP -> succeed(f, i, Map.of(), now);
            case JOB, SUBWORKFLOW -> {
              if (seen == f.attempt[i]) {
                f.workloadSeen[i] = true;
                armStepTimeout(f, i);
                launchedNow(f, i, now);
              } else if (f.state[i] == StepState.Launching) {
                // The create may never have reached the API server; the name is the same, so
                // creating again is safe either way.
                launchWorkload(f, i, null, now);
              } else {
                attemptFailed(f, i, FailureKind.PLATFORM, "the " + workloadWord(s) + " of attempt " + f.attempt[i] + " is gone", null, now);
              }
            }
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
      finalFailure(f, i, FailureKind.FATAL, loop == null ? "internal error: the loop's record is missing" : loop.restoreError, now);
      return;
    }
    armStepTimeout(f, i);
    for (Frame iteration : List.copyOf(loop.active.values())) resumeFrame(iteration, launched, now);
    agenda.advance(loop);
  }

  /** Stops every unfinished step of every frame and ends the run in {@code endPhase}. */
  private void abortRun(InstancePhase endPhase, String why, Instant now) {
    abortFrame(top, why, now);
    finish(endPhase, why, now);
  }

  /** Stops a frame's unfinished steps: running workloads stopped, loops aborted. */
  private void abortFrame(Frame f, String why, Instant now) {
    for (int i = 0; i < f.n; i++) {
      switch (f.state[i]) {
        case Launching, Running -> {
          stopWork(f, i, why, now);
          f.endTime[i] = now;
          setState(f, i, StepState.Stopped, "stopped: " + why);
        }
        case Retrying, Waiting -> {
          f.endTime[i] = now;
          setState(f, i, StepState.Stopped, (f.state[i] == StepState.Waiting ? "not started: " : "stopped: ") + why);
        }
        default -> {}
      }
    }
  }

  /** Whatever runs for a step's current attempt is told to stop; the step's state is the caller's. */
  private void stopWork(Frame f, int i, String why, Instant now) {
    switch (f.step(i).type()) {
      case JOB -> agenda.command(new DeleteJob(f.path(i), f.attempt[i], workloadName(f, i)));
      case SUBWORKFLOW -> {
        agenda.command(new StopChild(f.path(i), f.attempt[i], workloadName(f, i)));
        // The child ends its unfinished steps Stopped, but this run may not hear of it: it may have
        // ended, or folded the step's iteration into its loop's counts, by then.
        f.childRollups[i] = StatusProjection.stopped(f.childRollups[i]);
      }
      case FOREACH, WHILE -> {
        if (f.loops[i] != null) abortLoop(f.loops[i], why, now);
      }
      case SLEEP, NOOP -> {}
    }
  }

  /** Ends every iteration under way, Stopped, and starts no more. */
  private void abortLoop(LoopState loop, String why, Instant now) {
    loop.closed = true;
    for (Frame iteration : List.copyOf(loop.active.values())) {
      abortFrame(iteration, why, now);
      loops.endIteration(loop, iteration, StepState.Stopped);
    }
  }

  private void finish(InstancePhase endPhase, String why, Instant now) {
    phase = endPhase;
    endedAt = now;
    phaseMessage = why;
    Conditions.set(conditions, "Completed", true, endPhase.name(), why, null, now);
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
    while (phase == InstancePhase.Running) {
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
        loopEnded(loop.frame, loop.stepIndex, loops.advance(loop), now);
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
    if (skip.contains(s.id())) {
      skipStep(f, i, now);
      return;
    }
    // Step params are rendered once here: the condition sees them, and so does the Job.
    Map<String, String> stepParams;
    try {
      stepParams = renderer.stepParams(f, s);
    } catch (ExpressionException e) {
      finalFailure(f, i, FailureKind.FATAL, "could not render the step's params: " + e.getMessage(), now);
      return;
    }
    if (s.condition() != null) {
      boolean run;
      try {
        run = s.condition().test(renderer.stepScope(f, stepParams));
      } catch (ExpressionException e) {
        finalFailure(f, i, FailureKind.FATAL, "if " + e.getMessage(), now);
        return;
      }
      if (!run) {
        f.startTime[i] = now;
        f.endTime[i] = now;
        setState(f, i, StepState.Skipped, "if was false: " + s.condition().source());
        satisfied(f, i);
        return;
      }
    }
    switch (s.type()) {
      case NOOP -> launch(f, i, stepParams, now);
      case FOREACH, WHILE -> startLoop(f, i, now);
      case JOB, SLEEP, SUBWORKFLOW -> launchOrWait(f, i, stepParams, now);
    }
  }

  /** Launches a step that needs a permit if one is free; else it waits in line for one. */
  private void launchOrWait(Frame f, int i, Map<String, String> stepParams, Instant now) {
    if (permits.isFree()) {
      launch(f, i, stepParams, now);
      return;
    }
    if (f.queue(i)) permits.await(new AwaitingPermit(f, i, stepParams));
    f.message[i] = "waiting for a permit: " + permits.limit() + " of " + permits.limit() + " steps running (stepConcurrency)";
    f.markChanged(i);
    agenda.statusChanged();
  }

  private void startPermitted(AwaitingPermit p, Instant now) {
    Frame f = p.frame();
    int i = p.index();
    if (f.ended) return;
    if (f.state[i] == StepState.Waiting && f.failedStep == null) {
      launch(f, i, p.stepParams(), now);
    } else if (f.state[i] == StepState.Retrying) {
      launch(f, i, null, now);
    }
  }

  /** Starts the next attempt of a step; {@code stepParams} are rendered anew when null. */
  private void launch(Frame f, int i, Map<String, String> stepParams, Instant now) {
    CompiledStep s = f.step(i);
    f.attempt[i]++;
    f.workloadNames[i] = null;
    f.startTime[i] = now;
    f.endTime[i] = null;
    f.retryAt[i] = null;
    switch (s.type()) {
      case NOOP -> succeed(f, i, Map.of(), now);
      case SLEEP -> {
        setState(f, i, StepState.Running, "sleeping for " + s.definition().sleep);
        agenda.command(new SetTimer(new TimerKey(TimerKey.Kind.SLEEP, f.path(i), f.attempt[i]), now.plus(s.sleep())));
      }
      case JOB, SUBWORKFLOW -> launchWorkload(f, i, stepParams, now);
      case FOREACH, WHILE -> throw new IllegalStateException("loops start in startLoop");
    }
  }

  /** Renders the current attempt's workload (a Job, or a child instance) and asks for it. */
  private void launchWorkload(Frame f, int i, Map<String, String> rendered, Instant now) {
    CompiledStep s = f.step(i);
    boolean job = s.type() == StepType.JOB;
    Command create;
    try {
      Map<String, String> stepParams = rendered != null ? rendered : renderer.stepParams(f, s);
      if (job) {
        StepRenderer.RenderedJob r = renderer.job(f, s, stepParams);
        create = new CreateJob(
            f.path(i), f.attempt[i], workloadName(f, i), s.definition().job, r.command(), r.args(), r.env(), stepParams, s.timeout(), now);
      } else {
        create = new CreateChild(
            f.path(i), f.attempt[i], workloadName(f, i), s.definition().subworkflow.workflow, renderer.childParams(f, s, stepParams));
      }
    } catch (ExpressionException e) {
      String what = job ? "the job" : "the subworkflow params";
      finalFailure(f, i, FailureKind.FATAL, "could not render " + what + ": " + e.getMessage(), now);
      return;
    }
    f.workloadSeen[i] = false;
    setState(f, i, StepState.Launching, null);
    agenda.command(create);
    armStepTimeout(f, i);
  }

  private void armStepTimeout(Frame f, int i) {
    CompiledStep s = f.step(i);
    if (s.timeout() != null) {
      agenda.command(new SetTimer(new TimerKey(TimerKey.Kind.STEP_TIMEOUT, f.path(i), f.attempt[i]), f.startTime[i].plus(s.timeout())));
    }
  }

  /** A ready loop step: it runs its iterations ({@link Loops#advance}), or ends at once. */
  private void startLoop(Frame f, int i, Instant now) {
    Loops.End end = loops.start(f, i, now);
    if (end != null) {
      loopEnded(f, i, end, now);
      return;
    }
    LoopState loop = f.loops[i];
    setState(f, i, StepState.Running, loop.isWhile ? null : loop.total + " iterations");
    armStepTimeout(f, i);
    agenda.advance(loop);
  }

  /** A loop step's end, if it has one, is the step's. */
  private void loopEnded(Frame f, int i, Loops.End end, Instant now) {
    switch (end) {
      case null -> {}
      case Loops.Succeeded s -> {
        succeed(f, i, s.outputs(), now);
        if (s.message() != null) f.message[i] = s.message();
      }
      case Loops.Failed x -> {
        if (x.outputs() != null) f.outputs[i] = x.outputs();
        finalFailure(f, i, FailureKind.FATAL, x.why(), now);
      }
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
          setState(f, i, StepState.Stopped, "not started: " + where + " failed at step \"" + f.failedStep + "\"");
        }
      }
      outcome = StepState.Failed;
    } else {
      // Unreachable in a DAG: roots always start, and a step waits only on unfinished steps.
      abortFrame(f, "internal error: no step is running and none can start", now);
      if (f.owner == null) {
        finish(InstancePhase.Failed, "internal error: no step is running and none can start", now);
        return;
      }
      f.failureMessage = "internal error: no step is running and none can start";
      outcome = StepState.Failed;
    }
    if (f.owner == null) {
      if (outcome == StepState.Succeeded) finish(InstancePhase.Succeeded, "all " + f.n + " steps finished", now);
      else finish(InstancePhase.Failed, f.failureMessage, now);
    } else {
      loops.endIteration(f.owner, f, outcome);
    }
  }

  // ---- steps -------------------------------------------------------------------------------

  private void onLaunched(Occurrence o, int attempt, Instant now) {
    if (isCurrent(o, attempt) && o.frame().state[o.index()] == StepState.Launching) launchedNow(o.frame(), o.index(), now);
  }

  /** The attempt's workload exists. */
  private void launchedNow(Frame f, int i, Instant now) {
    CompiledStep s = f.step(i);
    if (s.type() == StepType.SUBWORKFLOW && s.definition().subworkflow.modeOrDefault() == SubworkflowMode.ASYNC) {
      succeed(f, i, Map.of("child", NODES.textNode(workloadName(f, i))), now);
      f.message[i] = "started child " + workloadName(f, i);
    } else if (f.state[i] == StepState.Launching) {
      setState(f, i, StepState.Running, null);
    }
  }

  private void onLaunchFailed(StepLaunchFailed e, Instant now) {
    Occurrence o = top.locate(e.stepId());
    if (!isCurrent(o, e.attempt()) || o.frame().state[o.index()] != StepState.Launching) return;
    Frame f = o.frame();
    int i = o.index();
    FailureKind kind = e.retryable() ? FailureKind.PLATFORM : FailureKind.FATAL;
    attemptFailed(f, i, kind, "could not create the " + workloadWord(f.step(i)) + ": " + e.message(), null, now);
  }

  private void onWorkloadsObserved(Map<String, Integer> present, Instant now) {
    for (Frame f : top.withIterations()) {
      if (f.ended) continue;
      for (int i = 0; i < f.n; i++) {
        StepType type = f.step(i).type();
        if ((type != StepType.JOB && type != StepType.SUBWORKFLOW) || !f.isRunning(i)) continue;
        Integer newest = present.get(f.path(i));
        if (newest != null && newest == f.attempt[i]) {
          f.workloadSeen[i] = true;
          if (f.state[i] == StepState.Launching) launchedNow(f, i, now);
        } else if (f.workloadSeen[i]) {
          attemptFailed(
              f, i, FailureKind.PLATFORM,
              "the " + workloadWord(f.step(i)) + " of attempt " + f.attempt[i] + " was deleted before the step finished", null, now);
        }
      }
    }
  }

  private void onChild(ChildObserved c, Instant now) {
    Occurrence o = top.locate(c.stepId());
    if (!isCurrent(o, c.attempt()) || o.frame().step(o.index()).type() != StepType.SUBWORKFLOW) return;
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
        if (f.state[i] == StepState.Launching) launchedNow(f, i, now);
      }
      case Succeeded -> succeed(f, i, c.outputs() == null ? Map.of() : c.outputs(), now);
      case Failed, TimedOut, Stopped ->
          attemptFailed(
              f, i, FailureKind.USER,
              "child " + workloadName(f, i) + " " + p + (c.message() == null ? "" : ": " + c.message()), null, now);
    }
  }

  private void onSucceeded(Occurrence o, int attempt, String terminationMessage, Instant now) {
    if (!isCurrent(o, attempt) || !o.frame().isRunning(o.index()) || o.frame().step(o.index()).type() != StepType.JOB) return;
    Frame f = o.frame();
    int i = o.index();
    Map<String, JsonNode> parsed;
    try {
      parsed = StepOutputs.parse(terminationMessage);
    } catch (IllegalArgumentException e) {
      // Bad output is a user error (FailureKind.USER, RetryPolicy.userErrors): retried.
      attemptFailed(f, i, FailureKind.USER, e.getMessage(), 0, now);
      return;
    }
    f.exitCode[i] = 0;
    succeed(f, i, parsed, now);
  }

  private void onFailed(StepFailed e, Instant now) {
    Occurrence o = top.locate(e.stepId());
    if (isCurrent(o, e.attempt()) && o.frame().isRunning(o.index()) && o.frame().step(o.index()).type() == StepType.JOB) {
      attemptFailed(o.frame(), o.index(), e.kind(), e.message(), e.exitCode(), now);
    }
  }

  private void succeed(Frame f, int i, Map<String, JsonNode> result, Instant now) {
    f.outputs[i] = result.isEmpty() ? null : result;
    f.endTime[i] = now;
    setState(f, i, StepState.Succeeded, null);
    satisfied(f, i);
  }

  /** A step ended in a way that lets its dependents go. */
  private void satisfied(Frame f, int i) {
    for (int k : f.step(i).dependents()) {
      if (--f.pendingDeps[k] == 0) agenda.ready(f, k);
    }
  }

  private void onTimer(TimerKey t, Instant now) {
    if (t.kind() == TimerKey.Kind.WORKFLOW_TIMEOUT) {
      abortRun(InstancePhase.TimedOut, "the run passed its timeout of " + Durations.format(wf.timeout()), now);
      return;
    }
    Occurrence o = top.locate(t.stepId());
    if (!isCurrent(o, t.attempt())) return;
    Frame f = o.frame();
    int i = o.index();
    CompiledStep s = f.step(i);
    switch (t.kind()) {
      case STEP_TIMEOUT -> {
        if (!f.isRunning(i)) return;
        if (s.type().isLoop()) {
          String why = "the loop ran past its timeout of " + s.definition().timeout;
          abortLoop(f.loops[i], why, now);
          f.outputs[i] = Loops.outputs(f.loops[i]);
          finalFailure(f, i, FailureKind.TIMEOUT, why, now);
        } else {
          stopWork(f, i, "timeout", now);
          attemptFailed(f, i, FailureKind.TIMEOUT, "attempt " + f.attempt[i] + " ran past its timeout of " + s.definition().timeout, null, now);
        }
      }
      case RETRY -> {
        if (f.state[i] == StepState.Retrying) launchOrWait(f, i, null, now);
      }
      case SLEEP -> {
        if (f.state[i] == StepState.Running) succeed(f, i, Map.of(), now);
      }
      case WORKFLOW_TIMEOUT -> throw new IllegalStateException();
    }
  }

  /**
   * An attempt of a job or subworkflow step failed: retry after the backoff while its kind's
   * budget lasts. (Loops fail for good at once, through {@link #finalFailure}.)
   */
  private void attemptFailed(Frame f, int i, FailureKind kind, String why, Integer code, Instant now) {
    f.exitCode[i] = code;
    switch (RetryBudget.after(kind, f.countFailure(i, kind), f.step(i).definition().retry, f.attempt[i])) {
      case RetryBudget.GiveUp g -> finalFailure(f, i, kind, why + g.note(), now);
      case RetryBudget.Retry r -> {
        f.retryAt[i] = now.plus(r.delay());
        f.endTime[i] = now;
        setState(f, i, StepState.Retrying, "attempt " + f.attempt[i] + " failed: " + why + "; retry in " + Durations.format(r.delay()));
        agenda.command(new SetTimer(new TimerKey(TimerKey.Kind.RETRY, f.path(i), f.attempt[i]), f.retryAt[i]));
      }
    }
  }

  /** No retries left: the failure mode decides what happens to the frame. */
  private void finalFailure(Frame f, int i, FailureKind kind, String why, Instant now) {
    CompiledStep s = f.step(i);
    f.endTime[i] = now;
    f.retryAt[i] = null;
    if (s.type().isLoop() && f.loops[i] != null) f.loops[i].closed = true;
    FailureMode mode = s.definition().failureModeOrDefault();
    if (mode == FailureMode.IGNORE_FAILURE) {
      setState(f, i, StepState.CompletedWithError, why);
      satisfied(f, i);
      return;
    }
    setState(f, i, kind == FailureKind.TIMEOUT ? StepState.TimedOut : StepState.Failed, why);
    if (f.failedStep == null) {
      f.failedStep = s.id();
      f.failureMessage = "step \"" + s.id() + "\" failed: " + why;
    }
    if (mode == FailureMode.FAIL_IMMEDIATELY) {
      if (f.owner == null) {
        abortRun(InstancePhase.Failed, f.failureMessage, now);
      } else {
        abortFrame(f, f.failureMessage, now);
        agenda.check(f);
      }
    }
  }

  /** Skips the named steps' unfinished occurrences now; future ones are skipped as they get ready. */
  private void onSkip(Set<String> ids, Instant now) {
    skip = ids == null ? Set.of() : Set.copyOf(ids);
    if (skip.isEmpty() || phase != InstancePhase.Running) return;
    for (Frame f : top.withIterations()) {
      if (f.ended) continue;
      for (int i = 0; i < f.n; i++) {
        if (!f.state[i].isFinal() && skip.contains(f.step(i).id())) skipStep(f, i, now);
      }
    }
  }

  private void skipStep(Frame f, int i, Instant now) {
    if (f.isRunning(i)) stopWork(f, i, "the step was skipped", now);
    if (f.startTime[i] == null) f.startTime[i] = now;
    f.endTime[i] = now;
    f.retryAt[i] = null;
    setState(f, i, StepState.Skipped, "skipped by the user");
    satisfied(f, i);
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

  private static boolean isCurrent(Occurrence o, int attempt) {
    return o != null && o.isCurrent(attempt);
  }

  private String workloadName(Frame f, int i) {
    return f.workloadName(instance, i);
  }

  private static String workloadWord(CompiledStep s) {
    return s.type() == StepType.SUBWORKFLOW ? "child instance" : "Job";
  }

  // ---- status ------------------------------------------------------------------------------

  public InstancePhase phase() {
    return phase;
  }

  /** Step state changes so far, for benchmarks and metrics. */
  public long transitions() {
    return transitions;
  }

  /** The state of the occurrence at {@code path} (a step id at the top), or null if none. */
  public StepState stepState(String path) {
    Occurrence o = top.locate(path);
    return o == null ? null : o.frame().state[o.index()];
  }

  /** Job, sleep and subworkflow steps holding a permit now. */
  public int runningSteps() {
    return permits.held();
  }

  /** The whole status as it should be written now. */
  public WorkflowInstanceStatus snapshot() {
    WorkflowInstanceStatus st = new WorkflowInstanceStatus();
    st.phase = phase;
    st.startTime = StatusProjection.str(startedAt);
    st.endTime = StatusProjection.str(endedAt);
    st.message = phaseMessage;
    st.definitionHash = wf.hash();
    st.definition = definition;
    st.params = runParams;
    st.run = run;
    st.history = history;
    // Copies: the writer fills in observedGeneration on its own thread.
    st.conditions = new ArrayList<>(conditions.size());
    for (Condition c : conditions) st.conditions.add(new ConditionBuilder(c).build());
    status.project(top, st);
    st.activeChildren = permits.children() == 0 ? null : permits.children();
    return st;
  }

  /**
   * Loads a run's state from its written status (see {@link Recovery}): before a {@link Resume},
   * or before the {@link Start} of a run waiting to (re)start.
   */
  public void restore(WorkflowInstanceStatus status) {
    if (status.phase != null) phase = status.phase;
    startedAt = Recovery.parse(status.startTime);
    endedAt = Recovery.parse(status.endTime);
    phaseMessage = status.message;
    run = status.run;
    history = status.history == null ? null : List.copyOf(status.history);
    if (status.conditions != null) conditions.addAll(status.conditions);
    if (phase == InstancePhase.Running && startedAt == null) {
      startedAt = Instant.EPOCH;
    }
    recovery.restore(status.steps, startedAt);
  }
}
