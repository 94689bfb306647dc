package dev.baton.flow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.Backoff;
import dev.baton.api.Conditions;
import dev.baton.api.Durations;
import dev.baton.api.FailureMode;
import dev.baton.api.InstancePhase;
import dev.baton.api.IterationFailurePolicy;
import dev.baton.api.Json;
import dev.baton.api.RetryPolicy;
import dev.baton.api.Step;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.StepType;
import dev.baton.api.SubworkflowMode;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Scope;
import dev.baton.expr.Template;
import dev.baton.expr.Values;
import dev.baton.flow.Command.CreateChild;
import dev.baton.flow.Command.CreateJob;
import dev.baton.flow.Command.DeleteJob;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.Command.StopChild;
import dev.baton.flow.FlowEvent.ChildObserved;
import dev.baton.flow.FlowEvent.StepLaunchFailed;
import dev.baton.flow.FlowEvent.StepLaunched;
import dev.baton.flow.FlowEvent.SkipRequested;
import dev.baton.flow.FlowEvent.Start;
import dev.baton.flow.FlowEvent.StepFailed;
import dev.baton.flow.FlowEvent.StepStarted;
import dev.baton.flow.FlowEvent.StepSucceeded;
import dev.baton.flow.FlowEvent.StopRequested;
import dev.baton.flow.FlowEvent.TimerFired;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
 */
public final class InstanceFlow {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String instance;
  private final CompiledWorkflow wf;
  private final JsonNode definition;
  private final Map<String, JsonNode> runParams;
  private final Map<String, Object> params;
  private final Frame top;
  private final int permits;

  private InstancePhase phase = InstancePhase.Pending;
  private Instant startedAt;
  private Instant endedAt;
  private String phaseMessage;
  private final List<Condition> conditions = new ArrayList<>();
  private long transitions;
  /** Job, sleep and subworkflow steps Launching or Running, across frames. */
  private int running;
  private int activeChildren;
  private Set<String> skip = Set.of();
  /** The run number and earlier runs, set by a restart (see {@link Restarts}); echoed as is. */
  private Integer run;
  private List<dev.baton.api.RunRecord> history;

  /** A step occurrence: frame and index. */
  private record Ref(Frame f, int i) {}

  /** A step that may start once a permit frees up; its params were rendered when it got ready. */
  private record AwaitingPermit(Frame f, int i, Map<String, String> stepParams) {}

  private final ArrayDeque<Ref> ready = new ArrayDeque<>();
  private final ArrayDeque<AwaitingPermit> permitQueue = new ArrayDeque<>();
  private final LinkedHashSet<LoopState> loopsToPump = new LinkedHashSet<>();
  private final LinkedHashSet<Frame> framesToCheck = new LinkedHashSet<>();
  private final Map<CompiledWorkflow, Long> staticLeaves = new java.util.IdentityHashMap<>();
  private List<Command> out;
  private boolean dirty;

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
    this.params = Collections.unmodifiableMap(Values.fromJsonMap(runParams));
    this.permits = wf.spec() == null ? dev.baton.api.WorkflowSpec.DEFAULT_STEP_CONCURRENCY : wf.spec().stepConcurrencyOrDefault();
    this.top = new Frame(wf, null, 0, "", Map.of(), Map.of(), null);
  }

  /** Handles one event and returns what the runtime should do about it. */
  public List<Command> handle(FlowEvent event) {
    out = new ArrayList<>(4);
    dirty = false;
    Instant now = event.at();
    if (phase.isFinal()) {
      return List.of();
    }
    switch (event) {
      case Start s -> start(now);
      case FlowEvent.Resume r -> resume(r.launchedAttempts(), now);
      case StopRequested s -> abortRun(InstancePhase.Stopped, "stopped by the user", now);
      case FlowEvent.InternalError e -> abortRun(InstancePhase.Failed, "internal error: " + e.message(), now);
      case StepLaunched e -> onLaunched(locate(e.stepId()), e.attempt(), now);
      case StepStarted e -> onLaunched(locate(e.stepId()), e.attempt(), now);
      case FlowEvent.WorkloadsObserved e -> onJobsObserved(e.present(), now);
      case StepLaunchFailed e -> {
        Ref r = locate(e.stepId());
        if (isCurrent(r, e.attempt()) && r.f.state[r.i] == StepState.Launching) {
          String what = r.f.step(r.i).type() == StepType.SUBWORKFLOW ? "the child instance" : "the Job";
          attemptFailed(
              r.f, r.i, e.retryable() ? FailureKind.PLATFORM : FailureKind.FATAL, "could not create " + what + ": " + e.message(), null, now);
        }
      }
      case StepSucceeded e -> onSucceeded(locate(e.stepId()), e.attempt(), e.terminationMessage(), now);
      case StepFailed e -> {
        Ref r = locate(e.stepId());
        if (isCurrent(r, e.attempt()) && r.f.isRunning(r.i) && r.f.step(r.i).type() == StepType.JOB) {
          attemptFailed(r.f, r.i, e.kind(), e.message(), e.exitCode(), now);
        }
      }
      case TimerFired t -> onTimer(t.timer(), now);
      case ChildObserved c -> onChild(c, now);
      case SkipRequested s -> onSkip(s.stepIds(), now);
    }
    settle(now);
    if (dirty) {
      out.add(Command.WriteStatus.INSTANCE);
    }
    List<Command> result = out;
    out = null;
    return result;
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
    out.add(new SetTimer(TimerKey.workflowTimeout(), now.plus(wf.timeout())));
    resumeFrame(top, Map.of(), now);
    dirty = true;
  }

  /**
   * Continues a run after an operator restart. The frames were restored from the status by
   * {@link #restore}; {@code launched} holds the newest attempt whose Job (or child) exists, by
   * path. A Job newer than the status knows means the old operator created it but did not record
   * it: the step is running, not to be launched again, and so is its iteration.
   */
  private void resume(Map<String, Integer> launched, Instant now) {
    if (phase == InstancePhase.Pending || phase == InstancePhase.Queued) {
      start(now);
      return;
    }
    out.add(new SetTimer(TimerKey.workflowTimeout(), startedAt.plus(wf.timeout())));
    for (String path : launched.keySet()) adoptIterations(path);
    resumeFrame(top, launched, now);
    dirty = true;
  }

  /** Makes the iterations on {@code path} that have a Job but no record active again. */
  private void adoptIterations(String path) {
    String[] seg = path.split("\\.");
    Frame f = top;
    Integer i = f.wf.indexById().get(seg[0]);
    for (int k = 1; i != null && k + 1 < seg.length; k += 2) {
      LoopState loop = f.loops[i];
      if (loop == null || f.state[i] != StepState.Running || loop.closed) return;
      long index;
      try {
        index = Long.parseLong(seg[k]);
      } catch (NumberFormatException e) {
        return;
      }
      Frame iteration = loop.active.get(index);
      if (iteration == null) {
        if (loop.isFinished(index) || index < 0 || (loop.total >= 0 && index >= loop.total)) return;
        iteration = newIteration(loop, index);
      }
      f = iteration;
      i = f.wf.indexById().get(seg[k + 1]);
    }
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
        setState(f, i, StepState.Running, "recovered: found the " + workloadWord(s) + " of attempt " + seen, now);
        armStepTimeout(f, i);
        continue;
      }
      switch (f.state[i]) {
        case Waiting -> {
          if (f.pendingDeps[i] == 0) enqueue(f, i);
        }
        case Retrying -> out.add(new SetTimer(new TimerKey(TimerKey.Kind.RETRY, path, f.attempt[i]), f.retryAt[i]));
        case Launching, Running -> {
          switch (s.type()) {
            case SLEEP ->
                out.add(new SetTimer(new TimerKey(TimerKey.Kind.SLEEP, path, f.attempt[i]), f.startTime[i].plus(s.sleep())));
            case NOOP -> succeed(f, i, Map.of(), now);
            case JOB, SUBWORKFLOW -> {
              if (seen == f.attempt[i]) {
                f.workloadSeen[i] = true;
                armStepTimeout(f, i);
                launchedNow(f, i, now);
              } else if (f.state[i] == StepState.Launching) {
                // The create may never have reached the API server; the name is the same, so
                // creating again is safe either way.
                if (s.type() == StepType.JOB) launchJob(f, i, null, now);
                else launchChild(f, i, null, now);
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
    framesToCheck.add(f);
  }

  private void resumeLoop(Frame f, int i, Map<String, Integer> launched, Instant now) {
    LoopState loop = f.loops[i];
    if (loop == null || loop.restoreError != null) {
      finalFailure(f, i, FailureKind.FATAL, loop == null ? "internal error: the loop's record is missing" : loop.restoreError, now);
      return;
    }
    armStepTimeout(f, i);
    for (Frame iteration : List.copyOf(loop.active.values())) resumeFrame(iteration, launched, now);
    loopsToPump.add(loop);
  }

  /** Stops every unfinished step of every frame and ends the run in {@code endPhase}. */
  private void abortRun(InstancePhase endPhase, String why, Instant now) {
    abortFrame(top, why, now);
    finish(endPhase, why, now);
  }

  /** Stops a frame's unfinished steps: running Jobs deleted, children stopped, loops aborted. */
  private void abortFrame(Frame f, String why, Instant now) {
    for (int i = 0; i < f.n; i++) {
      switch (f.state[i]) {
        case Launching, Running -> {
          stopWork(f, i, why, now);
          f.endTime[i] = now;
          setState(f, i, StepState.Stopped, "stopped: " + why, now);
        }
        case Retrying, Waiting -> {
          f.endTime[i] = now;
          setState(f, i, StepState.Stopped, (f.state[i] == StepState.Waiting ? "not started: " : "stopped: ") + why, now);
        }
        default -> {}
      }
    }
  }

  /** Whatever runs for a step's current attempt is told to stop; the step's state is the caller's. */
  private void stopWork(Frame f, int i, String why, Instant now) {
    switch (f.step(i).type()) {
      case JOB -> out.add(new DeleteJob(f.path(i), f.attempt[i], workloadName(f, i)));
      case SUBWORKFLOW -> {
        out.add(new StopChild(f.path(i), f.attempt[i], workloadName(f, i)));
        // The child ends its unfinished steps Stopped, but this run may not hear of it: it may have
        // ended, or folded the step's iteration into its loop's counts, by then.
        f.childRollups[i] = StatusViews.stopped(f.childRollups[i]);
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
      endIteration(loop, iteration, StepState.Stopped);
    }
  }

  private void finish(InstancePhase endPhase, String why, Instant now) {
    phase = endPhase;
    endedAt = now;
    phaseMessage = why;
    Conditions.set(conditions, "Completed", true, endPhase.name(), why, null, now);
    ready.clear();
    permitQueue.clear();
    loopsToPump.clear();
    framesToCheck.clear();
    dirty = true;
  }

  // ---- scheduling --------------------------------------------------------------------------

  /**
   * Runs everything the event set in motion: ready steps, permits freed, loops to advance, frames
   * that may have ended. Each can feed the others, so it loops until all are empty.
   */
  private void settle(Instant now) {
    while (phase == InstancePhase.Running) {
      Ref r;
      if ((r = ready.poll()) != null) {
        dequeued(r.f, r.i);
        startReady(r.f, r.i, now);
      } else if (running < permits && !permitQueue.isEmpty()) {
        AwaitingPermit q = permitQueue.poll();
        dequeued(q.f(), q.i());
        startPermitted(q, now);
      } else if (!loopsToPump.isEmpty()) {
        LoopState loop = loopsToPump.getFirst();
        loopsToPump.remove(loop);
        pump(loop, now);
      } else if (!framesToCheck.isEmpty()) {
        Frame f = framesToCheck.getFirst();
        framesToCheck.remove(f);
        checkFrame(f, now);
      } else {
        break;
      }
    }
  }

  private void enqueue(Frame f, int i) {
    if (f.queued[i]) return;
    f.queued[i] = true;
    f.queuedCount++;
    ready.add(new Ref(f, i));
  }

  private void dequeued(Frame f, int i) {
    f.queued[i] = false;
    f.queuedCount--;
    framesToCheck.add(f);
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
      stepParams = renderParams(f, s);
    } catch (ExpressionException e) {
      finalFailure(f, i, FailureKind.FATAL, "could not render the step's params: " + e.getMessage(), now);
      return;
    }
    if (s.condition() != null) {
      boolean run;
      try {
        run = s.condition().test(scope(f, stepParams));
      } catch (ExpressionException e) {
        finalFailure(f, i, FailureKind.FATAL, "if " + e.getMessage(), now);
        return;
      }
      if (!run) {
        f.startTime[i] = now;
        f.endTime[i] = now;
        setState(f, i, StepState.Skipped, "if was false: " + s.condition().source(), now);
        satisfied(f, i);
        return;
      }
    }
    switch (s.type()) {
      case NOOP -> launch(f, i, stepParams, now);
      case FOREACH, WHILE -> startLoop(f, i, now);
      case JOB, SLEEP, SUBWORKFLOW -> {
        if (running < permits && permitQueue.isEmpty()) {
          launch(f, i, stepParams, now);
        } else {
          waitForPermit(f, i, stepParams, now);
        }
      }
    }
  }

  private void waitForPermit(Frame f, int i, Map<String, String> stepParams, Instant now) {
    f.queued[i] = true;
    f.queuedCount++;
    permitQueue.add(new AwaitingPermit(f, i, stepParams));
    f.message[i] = "waiting for a permit: " + permits + " of " + permits + " steps running (stepConcurrency)";
    markChanged(f, i);
    dirty = true;
  }

  private void startPermitted(AwaitingPermit q, Instant now) {
    Frame f = q.f();
    int i = q.i();
    if (f.ended) return;
    if (f.state[i] == StepState.Waiting && f.failedStep == null) {
      launch(f, i, q.stepParams(), now);
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
        setState(f, i, StepState.Running, "sleeping for " + s.definition().sleep, now);
        out.add(new SetTimer(new TimerKey(TimerKey.Kind.SLEEP, f.path(i), f.attempt[i]), now.plus(s.sleep())));
      }
      case JOB -> launchJob(f, i, stepParams, now);
      case SUBWORKFLOW -> launchChild(f, i, stepParams, now);
      case FOREACH, WHILE -> throw new IllegalStateException("loops start in startLoop");
    }
  }

  /** Renders the current attempt's Job and asks for it. */
  private void launchJob(Frame f, int i, Map<String, String> rendered, Instant now) {
    CompiledStep s = f.step(i);
    Step d = s.definition();
    List<String> command;
    List<String> args;
    List<EnvVar> env;
    Map<String, String> stepParams;
    try {
      stepParams = rendered != null ? rendered : renderParams(f, s);
      Scope scope = scope(f, stepParams);
      command = render(d.job.command, scope);
      args = render(d.job.args, scope);
      env = withLoopEnv(f, renderEnv(d.job.env, scope));
    } catch (ExpressionException e) {
      finalFailure(f, i, FailureKind.FATAL, "could not render the job: " + e.getMessage(), now);
      return;
    }
    f.workloadSeen[i] = false;
    setState(f, i, StepState.Launching, null, now);
    out.add(new CreateJob(f.path(i), f.attempt[i], workloadName(f, i), d.job, command, args, env, stepParams, s.timeout(), now));
    armStepTimeout(f, i);
  }

  /** Renders the current attempt's child instance and asks for it. */
  private void launchChild(Frame f, int i, Map<String, String> rendered, Instant now) {
    CompiledStep s = f.step(i);
    Map<String, String> childParams = new LinkedHashMap<>();
    try {
      Map<String, String> stepParams = rendered != null ? rendered : renderParams(f, s);
      Scope scope = scope(f, stepParams);
      if (s.subworkflowParams() != null) {
        for (Map.Entry<String, Template> e : s.subworkflowParams().entrySet()) {
          childParams.put(e.getKey(), e.getValue() == null ? "" : e.getValue().render(scope));
        }
      }
    } catch (ExpressionException e) {
      finalFailure(f, i, FailureKind.FATAL, "could not render the subworkflow params: " + e.getMessage(), now);
      return;
    }
    f.workloadSeen[i] = false;
    setState(f, i, StepState.Launching, null, now);
    out.add(new CreateChild(f.path(i), f.attempt[i], workloadName(f, i), s.definition().subworkflow.workflow, childParams));
    armStepTimeout(f, i);
  }

  private void armStepTimeout(Frame f, int i) {
    CompiledStep s = f.step(i);
    if (s.timeout() != null) {
      out.add(new SetTimer(new TimerKey(TimerKey.Kind.STEP_TIMEOUT, f.path(i), f.attempt[i]), f.startTime[i].plus(s.timeout())));
    }
  }

  // ---- loops -------------------------------------------------------------------------------

  /** A ready loop step: evaluates its items (foreach) and lets {@link #pump} start iterations. */
  private void startLoop(Frame f, int i, Instant now) {
    CompiledStep s = f.step(i);
    LoopState loop = f.loops[i] != null ? f.loops[i] : new LoopState(f, i);
    f.loops[i] = loop;
    f.attempt[i] = 1;
    f.startTime[i] = now;
    f.endTime[i] = null;
    if (!loop.isWhile) {
      try {
        loop.evaluateItems(new Scope(params, f.visibleSteps(), f.loopScope, f.lastScope));
      } catch (ExpressionException e) {
        finalFailure(f, i, FailureKind.FATAL, "foreach: " + e.getMessage(), now);
        return;
      }
      if (loop.total == 0) {
        loop.closed = true;
        succeed(f, i, loopOutputs(loop), now);
        f.message[i] = "no items: 0 iterations";
        return;
      }
    }
    setState(f, i, StepState.Running, loop.isWhile ? null : loop.total + " iterations", now);
    armStepTimeout(f, i);
    loopsToPump.add(loop);
  }

  /** Starts what may start of a loop, or ends it when nothing is left. */
  private void pump(LoopState loop, Instant now) {
    Frame f = loop.frame;
    int i = loop.stepIndex;
    if (f.ended || loop.closed || f.state[i] != StepState.Running) return;
    if (loop.isWhile) {
      pumpWhile(loop, now);
      return;
    }
    while (!loop.stopping && loop.active.size() < loop.concurrency) {
      long k = loop.nextToStart();
      if (k >= loop.total) break;
      loop.cursor = k + 1;
      startIteration(loop, k);
    }
    if (loop.active.isEmpty() && (loop.stopping || loop.nextToStart() >= loop.total)) {
      endLoop(loop, now);
    }
  }

  private void pumpWhile(LoopState loop, Instant now) {
    if (!loop.active.isEmpty()) return;
    Frame f = loop.frame;
    int i = loop.stepIndex;
    if (loop.finishedCount() > loop.succeeded.size()) {
      endLoop(loop, now);
      return;
    }
    long k = loop.finishedCount();
    Map<String, Object> loopScope = new HashMap<>(f.loopScope);
    loopScope.put("index", k);
    boolean again;
    try {
      again = loop.step.whileCondition().test(new Scope(params, f.visibleSteps(), loopScope, loop.lastScope));
    } catch (ExpressionException e) {
      loop.closed = true;
      f.outputs[i] = loopOutputs(loop);
      finalFailure(f, i, FailureKind.FATAL, "while " + e.getMessage(), now);
      return;
    }
    if (!again) {
      loop.total = k;
      endLoop(loop, now);
    } else if (k >= loop.step.definition().whileLoop.maxIterationsOrDefault()) {
      loop.closed = true;
      loop.total = k;
      f.outputs[i] = loopOutputs(loop);
      finalFailure(f, i, FailureKind.FATAL, "condition still true after " + k + " iterations", now);
    } else {
      loop.cursor = k + 1;
      startIteration(loop, k);
    }
  }

  private void startIteration(LoopState loop, long k) {
    Frame iteration = newIteration(loop, k);
    for (CompiledStep s : iteration.wf.steps()) {
      if (s.dependencies().length == 0) enqueue(iteration, s.index());
    }
    framesToCheck.add(iteration);
  }

  /** The frame of iteration {@code k}, registered as under way; nothing in it started yet. */
  private Frame newIteration(LoopState loop, long k) {
    Frame f = loop.frame;
    Map<String, Object> values = loop.values(k);
    Map<String, Object> loopScope = new HashMap<>(f.loopScope);
    loopScope.putAll(values);
    loopScope.put("index", k);
    Map<String, JsonNode> valuesJson = null;
    if (!values.isEmpty()) {
      valuesJson = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : values.entrySet()) valuesJson.put(e.getKey(), Values.toJson(e.getValue()));
    }
    Frame iteration =
        new Frame(loop.step.body(), loop, k, loop.path + "." + k + ".", loopScope, loop.isWhile ? loop.lastScope : Map.of(), valuesJson);
    loop.active.put(k, iteration);
    markChanged(f, loop.stepIndex);
    dirty = true;
    return iteration;
  }

  /** An iteration's frame ended: count it, keep only its index, and let the loop go on. */
  private void endIteration(LoopState loop, Frame iteration, StepState outcome) {
    iteration.ended = true;
    loop.active.remove(iteration.index);
    long[] leaves = leafCounts(iteration);
    for (int s = 0; s < leaves.length; s++) loop.finishedLeaves[s] += leaves[s];
    if (outcome == StepState.Succeeded) {
      loop.succeeded.add(iteration.index);
    } else {
      loop.unsuccessful.add(iteration.index);
    }
    loop.iterations[outcome.ordinal()]++;
    if (outcome == StepState.Failed) {
      String error = loop.describe(iteration.index) + " failed: " + iteration.failureMessage;
      if (loop.errors.size() < LoopState.MAX_ERRORS) loop.errors.add(error);
      if (loop.firstFailure == null) loop.firstFailure = error;
      if (loop.policy == IterationFailurePolicy.STOP) loop.stopping = true;
    }
    if (loop.isWhile) {
      loop.lastScope = Map.copyOf(iteration.stepsScope);
      loop.lastJson = Values.toJson(loop.lastScope);
    }
    markChanged(loop.frame, loop.stepIndex);
    loopsToPump.add(loop);
    dirty = true;
  }

  /** Every iteration has ended (or none may start): the loop step's outcome. */
  private void endLoop(LoopState loop, Instant now) {
    Frame f = loop.frame;
    int i = loop.stepIndex;
    loop.closed = true;
    if (loop.isWhile) loop.total = loop.finishedCount();
    long failed = loop.unsuccessful.size();
    if (failed == 0) {
      succeed(f, i, loopOutputs(loop), now);
      return;
    }
    f.outputs[i] = loopOutputs(loop);
    String why =
        loop.policy == IterationFailurePolicy.CONTINUE
            ? failed + " of " + loop.finishedCount() + " iterations failed; the first: " + loop.firstFailure
            : loop.firstFailure;
    finalFailure(f, i, FailureKind.FATAL, why == null ? failed + " iterations did not succeed" : why, now);
  }

  private static Map<String, JsonNode> loopOutputs(LoopState loop) {
    Map<String, JsonNode> o = new LinkedHashMap<>();
    o.put("iterations", NODES.numberNode(loop.finishedCount()));
    o.put("succeeded", NODES.numberNode(loop.succeeded.size()));
    o.put("failed", NODES.numberNode(loop.iterations[StepState.Failed.ordinal()]));
    return o;
  }

  // ---- frames ------------------------------------------------------------------------------

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
          setState(f, i, StepState.Stopped, "not started: " + where + " failed at step \"" + f.failedStep + "\"", now);
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
      endIteration(f.owner, f, outcome);
    }
  }

  // ---- steps -------------------------------------------------------------------------------

  private void onLaunched(Ref r, int att, Instant now) {
    if (isCurrent(r, att) && r.f.state[r.i] == StepState.Launching) launchedNow(r.f, r.i, now);
  }

  /** The attempt's Job or child exists. */
  private void launchedNow(Frame f, int i, Instant now) {
    CompiledStep s = f.step(i);
    if (s.type() == StepType.SUBWORKFLOW && s.definition().subworkflow.modeOrDefault() == SubworkflowMode.ASYNC) {
      succeed(f, i, Map.of("child", NODES.textNode(workloadName(f, i))), now);
      f.message[i] = "started child " + workloadName(f, i);
    } else if (f.state[i] == StepState.Launching) {
      setState(f, i, StepState.Running, null, null);
    }
  }

  private void onJobsObserved(Map<String, Integer> present, Instant now) {
    for (Frame f : liveFrames()) {
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
    Ref r = locate(c.stepId());
    if (!isCurrent(r, c.attempt()) || r.f.step(r.i).type() != StepType.SUBWORKFLOW) return;
    Frame f = r.f;
    int i = r.i;
    if (c.rollup() != null && f.childRollups[i] != c.rollup()) {
      f.childRollups[i] = c.rollup();
      markChanged(f, i);
      dirty = true;
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

  private void onSucceeded(Ref r, int att, String terminationMessage, Instant now) {
    if (!isCurrent(r, att) || !r.f.isRunning(r.i) || r.f.step(r.i).type() != StepType.JOB) return;
    Map<String, JsonNode> parsed;
    try {
      parsed = parseOutputs(terminationMessage);
    } catch (IllegalArgumentException e) {
      // Bad output is a user error (FailureKind.USER, RetryPolicy.userErrors): retried.
      attemptFailed(r.f, r.i, FailureKind.USER, e.getMessage(), 0, now);
      return;
    }
    r.f.exitCode[r.i] = 0;
    succeed(r.f, r.i, parsed, now);
  }

  private void succeed(Frame f, int i, Map<String, JsonNode> result, Instant now) {
    f.outputs[i] = result.isEmpty() ? null : result;
    f.endTime[i] = now;
    setState(f, i, StepState.Succeeded, null, now);
    satisfied(f, i);
  }

  /** A step ended in a way that lets its dependents go. */
  private void satisfied(Frame f, int i) {
    for (int k : f.step(i).dependents()) {
      if (--f.pendingDeps[k] == 0) enqueue(f, k);
    }
  }

  private void onTimer(TimerKey t, Instant now) {
    if (t.kind() == TimerKey.Kind.WORKFLOW_TIMEOUT) {
      abortRun(InstancePhase.TimedOut, "the run passed its timeout of " + Durations.format(wf.timeout()), now);
      return;
    }
    Ref r = locate(t.stepId());
    if (!isCurrent(r, t.attempt())) return;
    Frame f = r.f;
    int i = r.i;
    CompiledStep s = f.step(i);
    switch (t.kind()) {
      case STEP_TIMEOUT -> {
        if (!f.isRunning(i)) return;
        if (s.type().isLoop()) {
          String why = "the loop ran past its timeout of " + s.definition().timeout;
          abortLoop(f.loops[i], why, now);
          f.outputs[i] = loopOutputs(f.loops[i]);
          finalFailure(f, i, FailureKind.TIMEOUT, why, now);
        } else {
          stopWork(f, i, "timeout", now);
          attemptFailed(f, i, FailureKind.TIMEOUT, "attempt " + f.attempt[i] + " ran past its timeout of " + s.definition().timeout, null, now);
        }
      }
      case RETRY -> {
        if (f.state[i] != StepState.Retrying) return;
        if (running < permits && permitQueue.isEmpty()) {
          launch(f, i, null, now);
        } else {
          waitForPermit(f, i, null, now);
        }
      }
      case SLEEP -> {
        if (f.state[i] == StepState.Running) succeed(f, i, Map.of(), now);
      }
      case WORKFLOW_TIMEOUT -> throw new IllegalStateException();
    }
  }

  /** An attempt failed: retry after the backoff while its kind's budget lasts. */
  private void attemptFailed(Frame f, int i, FailureKind kind, String why, Integer code, Instant now) {
    f.exitCode[i] = code;
    Step d = f.step(i).definition();
    int used;
    int limit;
    switch (kind) {
      case USER -> {
        used = ++f.userErrors[i];
        limit = RetryPolicy.userErrors(d.retry);
      }
      case PLATFORM -> {
        used = ++f.platformErrors[i];
        limit = RetryPolicy.platformErrors(d.retry);
      }
      case TIMEOUT -> {
        used = ++f.timeouts[i];
        limit = RetryPolicy.timeouts(d.retry);
      }
      case FATAL -> {
        used = 1;
        limit = 0;
      }
      default -> throw new IllegalStateException();
    }
    if (used > limit || phase != InstancePhase.Running || f.step(i).type().isLoop()) {
      String budget = kind == FailureKind.FATAL ? "" : " (" + kind.name().toLowerCase(Locale.ROOT) + " retries used: " + limit + ")";
      finalFailure(f, i, kind, why + budget, now);
      return;
    }
    Duration delay = Backoff.delayBefore(RetryPolicy.backoff(d.retry), f.attempt[i]);
    f.retryAt[i] = now.plus(delay);
    f.endTime[i] = now;
    setState(f, i, StepState.Retrying, "attempt " + f.attempt[i] + " failed: " + why + "; retry in " + Durations.format(delay), now);
    out.add(new SetTimer(new TimerKey(TimerKey.Kind.RETRY, f.path(i), f.attempt[i]), f.retryAt[i]));
  }

  /** No retries left: the failure mode decides what happens to the frame. */
  private void finalFailure(Frame f, int i, FailureKind kind, String why, Instant now) {
    CompiledStep s = f.step(i);
    f.endTime[i] = now;
    f.retryAt[i] = null;
    if (s.type().isLoop() && f.loops[i] != null) f.loops[i].closed = true;
    FailureMode mode = s.definition().failureModeOrDefault();
    if (mode == FailureMode.IGNORE_FAILURE) {
      setState(f, i, StepState.CompletedWithError, why, now);
      satisfied(f, i);
      return;
    }
    setState(f, i, kind == FailureKind.TIMEOUT ? StepState.TimedOut : StepState.Failed, why, now);
    if (f.failedStep == null) {
      f.failedStep = s.id();
      f.failureMessage = "step \"" + s.id() + "\" failed: " + why;
    }
    if (mode == FailureMode.FAIL_IMMEDIATELY) {
      if (f.owner == null) {
        abortRun(InstancePhase.Failed, f.failureMessage, now);
      } else {
        abortFrame(f, f.failureMessage, now);
        framesToCheck.add(f);
      }
    }
  }

  /** Skips the named steps' unfinished occurrences now; future ones are skipped as they get ready. */
  private void onSkip(Set<String> ids, Instant now) {
    skip = ids == null ? Set.of() : Set.copyOf(ids);
    if (skip.isEmpty() || phase != InstancePhase.Running) return;
    for (Frame f : liveFrames()) {
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
    setState(f, i, StepState.Skipped, "skipped by the user", now);
    satisfied(f, i);
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private void setState(Frame f, int i, StepState next, String why, Instant now) {
    StepState prev = f.state[i];
    if (isActive(prev)) f.active--;
    if (isActive(next)) f.active++;
    if (!prev.isFinal() && next.isFinal()) f.finished++;
    StepType type = f.step(i).type();
    if (type == StepType.JOB || type == StepType.SLEEP || type == StepType.SUBWORKFLOW) {
      boolean held = prev == StepState.Launching || prev == StepState.Running;
      boolean holds = next == StepState.Launching || next == StepState.Running;
      if (held != holds) {
        running += holds ? 1 : -1;
        if (type == StepType.SUBWORKFLOW) activeChildren += holds ? 1 : -1;
      }
    }
    f.state[i] = next;
    markChanged(f, i);
    transitions++;
    if (why != null || next != StepState.Running) f.message[i] = why;
    if (next.isFinal() || next == StepState.Retrying) {
      f.stepsScope.put(f.step(i).id(), f.scopeOf(i));
    }
    framesToCheck.add(f);
    dirty = true;
  }

  /**
   * Marks a step's status entry for rebuilding, and the loop steps above it: a step's bit is set
   * only with its ancestors' bits, so a bit already set ends the walk.
   */
  private static void markChanged(Frame f, int i) {
    while (f != null && !f.changed.get(i)) {
      f.changed.set(i);
      if (f.owner == null) return;
      i = f.owner.stepIndex;
      f = f.owner.frame;
    }
  }

  private static boolean isActive(StepState s) {
    return s == StepState.Launching || s == StepState.Running || s == StepState.Retrying;
  }

  private static boolean isCurrent(Ref r, int att) {
    return r != null && !r.f.ended && att == r.f.attempt[r.i];
  }

  private static String workloadWord(CompiledStep s) {
    return s.type() == StepType.SUBWORKFLOW ? "child instance" : "Job";
  }

  /** The occurrence a path names, or null when it names none under way. */
  private Ref locate(String path) {
    if (path == null) return null;
    Frame f = top;
    int start = 0;
    while (true) {
      int dot = path.indexOf('.', start);
      String id = dot < 0 ? path.substring(start) : path.substring(start, dot);
      Integer i = f.wf.indexById().get(id);
      if (i == null) return null;
      if (dot < 0) return new Ref(f, i);
      int dot2 = path.indexOf('.', dot + 1);
      if (dot2 < 0 || f.loops[i] == null) return null;
      long index;
      try {
        index = Long.parseLong(path, dot + 1, dot2, 10);
      } catch (NumberFormatException e) {
        return null;
      }
      f = f.loops[i].active.get(index);
      if (f == null || f.ended) return null;
      start = dot2 + 1;
    }
  }

  /** The run's frame and every iteration under way, parents first. A copy: safe to change frames. */
  private List<Frame> liveFrames() {
    List<Frame> frames = new ArrayList<>();
    frames.add(top);
    for (int k = 0; k < frames.size(); k++) {
      Frame f = frames.get(k);
      for (LoopState loop : f.loops) {
        if (loop != null) frames.addAll(loop.active.values());
      }
    }
    return frames;
  }

  private String workloadName(Frame f, int i) {
    if (f.workloadNames[i] == null) f.workloadNames[i] = JobNames.of(instance, f.path(i), f.attempt[i]);
    return f.workloadNames[i];
  }

  private Scope scope(Frame f, Map<String, String> stepParams) {
    return new Scope(visibleParams(stepParams), f.visibleSteps(), f.loopScope, f.lastScope);
  }

  /** What params.x means inside a step: the run's params with the step's own over them. */
  private Map<String, Object> visibleParams(Map<String, String> stepParams) {
    if (stepParams.isEmpty()) return params;
    Map<String, Object> visible = new HashMap<>(params);
    visible.putAll(stepParams);
    return visible;
  }

  private Map<String, String> renderParams(Frame f, CompiledStep s) {
    if (s.params().isEmpty()) return Map.of();
    Map<String, String> rendered = new LinkedHashMap<>();
    Scope scope = new Scope(params, f.visibleSteps(), f.loopScope, f.lastScope);
    for (String name : s.definition().params.keySet()) {
      Template t = s.params().get(name);
      rendered.put(name, t == null ? "" : t.render(scope));
    }
    return rendered;
  }

  private List<String> render(List<String> strings, Scope scope) {
    if (strings == null) return null;
    List<String> result = new ArrayList<>(strings.size());
    for (String str : strings) result.add(renderOne(str, scope));
    return result;
  }

  private String renderOne(String str, Scope scope) {
    Template t = wf.templates().get(str);
    return t == null ? str : t.render(scope);
  }

  private List<EnvVar> renderEnv(List<EnvVar> env, Scope scope) {
    if (env == null) return null;
    List<EnvVar> result = new ArrayList<>(env.size());
    for (EnvVar e : env) {
      if (e.getValue() != null && wf.templates().containsKey(e.getValue())) {
        result.add(new EnvVarBuilder(e).withValue(renderOne(e.getValue(), scope)).build());
      } else {
        result.add(e);
      }
    }
    return result;
  }

  /**
   * Inside a loop, a Job also gets BATON_LOOP_INDEX (the innermost loop's) and BATON_LOOP_NAME for
   * each scalar loop value, after the step's own env.
   */
  private static List<EnvVar> withLoopEnv(Frame f, List<EnvVar> env) {
    if (f.owner == null) return env;
    if (f.loopEnv == null) {
      List<EnvVar> loopEnv = new ArrayList<>();
      loopEnv.add(new EnvVar("BATON_LOOP_INDEX", Long.toString(f.index), null));
      for (Map.Entry<String, Object> e : new java.util.TreeMap<>(f.loopScope).entrySet()) {
        Object v = e.getValue();
        if (e.getKey().equals("index") || !(v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean)) continue;
        String name = "BATON_LOOP_" + e.getKey().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
        loopEnv.add(new EnvVar(name, Values.render(v), null));
      }
      f.loopEnv = List.copyOf(loopEnv);
    }
    if (env == null || env.isEmpty()) return f.loopEnv;
    List<EnvVar> result = new ArrayList<>(env);
    result.addAll(f.loopEnv);
    return result;
  }

  /** A step's outputs: the JSON object in its termination message; empty when there is none. */
  static Map<String, JsonNode> parseOutputs(String terminationMessage) {
    if (terminationMessage == null || terminationMessage.isBlank()) return Map.of();
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(terminationMessage);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "outputs: the termination message is not JSON (" + e.getOriginalMessage() + "): " + abbreviate(terminationMessage));
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "outputs: the termination message must be a JSON object, got: " + abbreviate(terminationMessage));
    }
    Map<String, JsonNode> map = new LinkedHashMap<>();
    node.properties().forEach(e -> map.put(e.getKey(), e.getValue()));
    return map;
  }

  private static String abbreviate(String s) {
    String t = s.strip();
    return t.length() <= 80 ? t : t.substring(0, 77) + "...";
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
    Ref r = locate(path);
    return r == null ? null : r.f.state[r.i];
  }

  /** Job, sleep and subworkflow steps holding a permit now. */
  public int runningSteps() {
    return running;
  }

  /** The whole status as it should be written now. */
  public WorkflowInstanceStatus snapshot() {
    WorkflowInstanceStatus st = new WorkflowInstanceStatus();
    st.phase = phase;
    st.startTime = str(startedAt);
    st.endTime = str(endedAt);
    st.progress = top.finished + "/" + top.n;
    st.message = phaseMessage;
    st.definitionHash = wf.hash();
    st.definition = definition;
    st.params = runParams;
    st.run = run;
    st.history = history;
    // Copies: the writer fills in observedGeneration on its own thread.
    st.conditions = new ArrayList<>(conditions.size());
    for (Condition c : conditions) st.conditions.add(new io.fabric8.kubernetes.api.model.ConditionBuilder(c).build());
    st.steps = new LinkedHashMap<>(top.n * 4 / 3 + 1);
    for (CompiledStep s : wf.steps()) {
      st.steps.put(s.id(), stepStatus(top, s.index()));
    }
    top.changed.clear();
    st.rollup = StatusViews.rollup(leafCounts(top));
    st.activeChildren = activeChildren == 0 ? null : activeChildren;
    return st;
  }

  /**
   * A step's entry, made anew only when the step (or anything in its loop) changed: a snapshot
   * of a large run costs a map of references, not a rebuild. Entries are never modified once
   * handed out.
   */
  private StepStatus stepStatus(Frame f, int i) {
    if (f.stepStatus[i] != null && !f.changed.get(i)) return f.stepStatus[i];
    CompiledStep s = f.step(i);
    StepStatus ss = new StepStatus();
    ss.state = f.state[i];
    ss.attempt = f.attempt[i];
    ss.jobName = s.type() == StepType.JOB && f.attempt[i] > 0 ? workloadName(f, i) : null;
    ss.child = s.type() == StepType.SUBWORKFLOW && f.attempt[i] > 0 ? workloadName(f, i) : null;
    ss.startTime = str(f.startTime[i]);
    ss.endTime = str(f.endTime[i]);
    ss.retryAt = f.state[i] == StepState.Retrying ? str(f.retryAt[i]) : null;
    ss.message = f.message[i];
    ss.exitCode = f.exitCode[i];
    ss.userErrors = f.userErrors[i] == 0 ? null : f.userErrors[i];
    ss.platformErrors = f.platformErrors[i] == 0 ? null : f.platformErrors[i];
    ss.timeouts = f.timeouts[i] == 0 ? null : f.timeouts[i];
    ss.outputs = f.outputs[i];
    if (f.loops[i] != null) ss.loop = StatusViews.loopStatus(f.loops[i], this::iterationSteps);
    f.stepStatus[i] = ss;
    return ss;
  }

  /** An iteration's started steps as compact JSON (no nulls, no Job names), rebuilt when changed. */
  private Map<String, JsonNode> iterationSteps(Frame iteration) {
    if (iteration.statusSteps != null && iteration.changed.isEmpty()) return iteration.statusSteps;
    Map<String, JsonNode> steps = new LinkedHashMap<>();
    for (int i = 0; i < iteration.n; i++) {
      if (iteration.state[i] == StepState.Waiting && iteration.message[i] == null) continue;
      boolean changed = iteration.changed.get(i);
      StepStatus ss = stepStatus(iteration, i);
      JsonNode node = changed || iteration.stepJson[i] == null ? StatusViews.compact(ss) : iteration.stepJson[i];
      iteration.stepJson[i] = node;
      steps.put(iteration.step(i).id(), node);
    }
    iteration.changed.clear();
    iteration.statusSteps = steps;
    return steps;
  }

  /** Leaf steps (job, sleep, noop; a subworkflow's child's, when known) by state ordinal. */
  private long[] leafCounts(Frame f) {
    long[] counts = new long[StepState.values().length];
    addLeaves(f, counts);
    return counts;
  }

  private void addLeaves(Frame f, long[] counts) {
    for (int i = 0; i < f.n; i++) {
      CompiledStep s = f.step(i);
      switch (s.type()) {
        case JOB, SLEEP, NOOP -> counts[f.state[i].ordinal()]++;
        case SUBWORKFLOW -> {
          if (!StatusViews.addRollup(f.childRollups[i], counts)) counts[f.state[i].ordinal()]++;
        }
        case FOREACH, WHILE -> {
          LoopState loop = f.loops[i];
          if (loop == null) continue;
          for (int k = 0; k < counts.length; k++) counts[k] += loop.finishedLeaves[k];
          for (Frame iteration : loop.active.values()) addLeaves(iteration, counts);
          if (!loop.closed && f.state[i] == StepState.Running && loop.total > 0) {
            long notStarted = loop.total - loop.finishedCount() - loop.active.size();
            if (notStarted > 0) counts[StepState.Waiting.ordinal()] += notStarted * staticLeaves(s.body());
          }
        }
      }
    }
  }

  /** Leaf steps in one occurrence of a DAG before it runs: inner loops count none yet. */
  private long staticLeaves(CompiledWorkflow body) {
    Long known = staticLeaves.get(body);
    if (known != null) return known;
    long count = 0;
    for (CompiledStep s : body.steps()) {
      if (!s.type().isLoop()) count++;
    }
    staticLeaves.put(body, count);
    return count;
  }

  /**
   * Loads a run's state from its written status: before a {@link FlowEvent.Resume}, or before the
   * {@link Start} of a run waiting to (re)start. Steps the status does not mention stay Waiting;
   * loops get their finished iterations back as ranges, and their iterations under way as frames.
   */
  public void restore(WorkflowInstanceStatus status) {
    if (status.phase != null) phase = status.phase;
    startedAt = parse(status.startTime);
    endedAt = parse(status.endTime);
    phaseMessage = status.message;
    run = status.run;
    history = status.history == null ? null : List.copyOf(status.history);
    if (status.conditions != null) conditions.addAll(status.conditions);
    if (phase == InstancePhase.Running && startedAt == null) {
      startedAt = Instant.EPOCH;
    }
    restoreFrame(top, status.steps);
  }

  private void restoreFrame(Frame f, Map<String, StepStatus> steps) {
    f.changed.set(0, f.n);
    for (CompiledStep s : f.wf.steps()) {
      int i = s.index();
      StepStatus ss = steps == null ? null : steps.get(s.id());
      if (ss == null || ss.state == null) continue;
      StepState state = ss.state;
      f.attempt[i] = ss.attempt == null ? 0 : ss.attempt;
      f.workloadNames[i] = null;
      f.startTime[i] = parse(ss.startTime);
      f.endTime[i] = parse(ss.endTime);
      f.retryAt[i] = parse(ss.retryAt);
      f.message[i] = ss.message;
      f.exitCode[i] = ss.exitCode;
      f.userErrors[i] = ss.userErrors == null ? 0 : ss.userErrors;
      f.platformErrors[i] = ss.platformErrors == null ? 0 : ss.platformErrors;
      f.timeouts[i] = ss.timeouts == null ? 0 : ss.timeouts;
      f.outputs[i] = ss.outputs;
      if (f.startTime[i] == null && isActive(state)) f.startTime[i] = startedAt == null ? Instant.EPOCH : startedAt;
      if (state == StepState.Retrying && f.retryAt[i] == null) f.retryAt[i] = f.startTime[i];
      if (s.type().isLoop() && state == StepState.Launching) state = StepState.Waiting;
      // Counted as setState would, without its side effects.
      f.state[i] = state;
      if (isActive(state)) f.active++;
      if (state.isFinal()) f.finished++;
      if ((state == StepState.Launching || state == StepState.Running)
          && (s.type() == StepType.JOB || s.type() == StepType.SLEEP || s.type() == StepType.SUBWORKFLOW)) {
        running++;
        if (s.type() == StepType.SUBWORKFLOW) activeChildren++;
      }
      if (state.isFinal() || state == StepState.Retrying) f.stepsScope.put(s.id(), f.scopeOf(i));
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
      if (s.type().isLoop() && ss != null && ss.loop != null) restoreLoop(f, i, ss);
    }
  }

  private void restoreLoop(Frame f, int i, StepStatus ss) {
    LoopState loop = new LoopState(f, i);
    f.loops[i] = loop;
    StatusViews.restoreRecords(loop, ss.loop);
    if (f.state[i] != StepState.Running) {
      loop.closed = f.state[i].isFinal();
      return;
    }
    if (!loop.isWhile) {
      try {
        loop.evaluateItems(new Scope(params, f.visibleSteps(), f.loopScope, f.lastScope));
      } catch (ExpressionException e) {
        loop.restoreError = "foreach: " + e.getMessage();
        return;
      }
    }
    if (ss.loop.active == null) return;
    for (Map.Entry<String, dev.baton.api.IterationStatus> e : ss.loop.active.entrySet()) {
      long k;
      try {
        k = Long.parseLong(e.getKey());
      } catch (NumberFormatException ex) {
        continue;
      }
      if (loop.isFinished(k) || k < 0 || (loop.total >= 0 && k >= loop.total)) continue;
      Frame iteration = newIteration(loop, k);
      Map<String, StepStatus> inner = new HashMap<>();
      if (e.getValue() != null && e.getValue().steps != null) {
        e.getValue().steps.forEach((id, node) -> inner.put(id, Json.fromTree(node, StepStatus.class)));
      }
      restoreFrame(iteration, inner);
    }
  }

  private static String str(Instant t) {
    return t == null ? null : t.toString();
  }

  private static Instant parse(String t) {
    return t == null ? null : Instant.parse(t);
  }
}
