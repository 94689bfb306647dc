package dev.baton.flow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Backoff;
import dev.baton.api.Conditions;
import dev.baton.api.Durations;
import dev.baton.api.FailureMode;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.RetryPolicy;
import dev.baton.api.Step;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Scope;
import dev.baton.expr.Template;
import dev.baton.expr.Values;
import dev.baton.flow.Command.CreateJob;
import dev.baton.flow.Command.DeleteJob;
import dev.baton.flow.Command.SetTimer;
import dev.baton.flow.FlowEvent.JobLaunchFailed;
import dev.baton.flow.FlowEvent.JobLaunched;
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
import java.util.List;
import java.util.Map;

/**
 * The state machine of one run. Events in, commands out, no I/O and no clock of its own: every
 * event carries its time. Not thread-safe; {@link FlowActor} feeds it one event at a time.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>A step becomes ready when every dependency is Succeeded, Skipped or CompletedWithError.
 *       A Skipped dependency counts as done: skips do not propagate. A step that should not run
 *       after a skipped one says so in its own {@code if}, e.g. {@code steps.load.state ==
 *       'Succeeded'}.
 *   <li>A ready step whose {@code if} is false is Skipped; otherwise it is launched: a job step
 *       gets a Job per attempt, a sleep step a timer, a noop step succeeds at once.
 *   <li>A failed attempt is retried after its backoff while the budget of its kind (user,
 *       platform, timeout) lasts. Then the step's failure mode decides: IGNORE_FAILURE ends it
 *       CompletedWithError, FAIL_AFTER_RUNNING starts nothing new and fails the run once the
 *       running steps end, FAIL_IMMEDIATELY deletes the running Jobs and fails the run now.
 *   <li>Stop, and the workflow timeout, delete the running Jobs and end every unfinished step
 *       Stopped.
 *   <li>Events about an attempt that is no longer current are ignored, so duplicates and late
 *       arrivals are harmless.
 * </ul>
 */
public final class InstanceFlow {
  private final String instance;
  private final CompiledWorkflow wf;
  private final JsonNode definition;
  private final Map<String, JsonNode> runParams;
  private final Map<String, Object> params;
  private final Map<String, Object> stepsScope = new HashMap<>();
  private final int n;

  private final StepState[] state;
  private final int[] attempt;
  private final int[] pendingDeps;
  private final Instant[] startTime;
  private final Instant[] endTime;
  private final Instant[] retryAt;
  private final String[] message;
  private final Integer[] exitCode;
  private final int[] userErrors;
  private final int[] platformErrors;
  private final int[] timeouts;
  private final Map<String, JsonNode>[] outputs;
  /** Each step's last status entry, and which steps changed since: see {@link #stepStatus}. */
  private final StepStatus[] stepStatus;
  private final java.util.BitSet changed = new java.util.BitSet();
  /** The current attempt's Job name; computed once per attempt, not once per status write. */
  private final String[] jobNames;
  /** The current attempt's Job has been seen in the cluster, so its absence means deletion. */
  private final boolean[] jobSeen;

  private InstancePhase phase = InstancePhase.Pending;
  private Instant startedAt;
  private Instant endedAt;
  private String phaseMessage;
  private final List<Condition> conditions = new ArrayList<>();
  private int active;
  private int finished;
  private long transitions;
  private String failedStep;
  private String failureMessage;
  /** The run number and earlier runs, set by a restart (see {@link Restarts}); echoed as is. */
  private Integer run;
  private List<dev.baton.api.RunRecord> history;

  private final ArrayDeque<Integer> ready = new ArrayDeque<>();
  private List<Command> out;
  private boolean dirty;

  /**
   * @param definition the pinned spec as JSON, echoed into the status
   * @param runParams the resolved params (defaults merged with the run's own)
   */
  @SuppressWarnings("unchecked")
  public InstanceFlow(
      String instance, CompiledWorkflow wf, JsonNode definition, Map<String, JsonNode> runParams) {
    this.instance = instance;
    this.wf = wf;
    this.definition = definition;
    this.runParams = Map.copyOf(runParams);
    this.params = Collections.unmodifiableMap(Values.fromJsonMap(runParams));
    this.n = wf.size();
    state = new StepState[n];
    attempt = new int[n];
    pendingDeps = new int[n];
    startTime = new Instant[n];
    endTime = new Instant[n];
    retryAt = new Instant[n];
    message = new String[n];
    exitCode = new Integer[n];
    userErrors = new int[n];
    platformErrors = new int[n];
    timeouts = new int[n];
    outputs = new Map[n];
    jobSeen = new boolean[n];
    jobNames = new String[n];
    stepStatus = new StepStatus[n];
    for (CompiledStep s : wf.steps()) {
      state[s.index()] = StepState.Waiting;
      pendingDeps[s.index()] = s.dependencies().length;
    }
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
      case StopRequested s -> abort(InstancePhase.Stopped, "stopped by the user", now);
      case FlowEvent.InternalError e -> abort(InstancePhase.Failed, "internal error: " + e.message(), now);
      case JobLaunched e -> onLaunched(index(e.stepId()), e.attempt());
      case StepStarted e -> onLaunched(index(e.stepId()), e.attempt());
      case FlowEvent.JobsObserved e -> onJobsObserved(e.present(), now);
      case JobLaunchFailed e -> {
        int i = index(e.stepId());
        if (isCurrent(i, e.attempt()) && state[i] == StepState.Launching) {
          attemptFailed(
              i,
              e.retryable() ? FailureKind.PLATFORM : FailureKind.FATAL,
              "could not create the Job: " + e.message(),
              null,
              now);
        }
      }
      case StepSucceeded e -> onSucceeded(index(e.stepId()), e.attempt(), e.terminationMessage(), now);
      case StepFailed e -> {
        int i = index(e.stepId());
        if (isCurrent(i, e.attempt()) && isRunning(i)) {
          attemptFailed(i, e.kind(), e.message(), e.exitCode(), now);
        }
      }
      case TimerFired t -> onTimer(t.timer(), now);
      case FlowEvent.ChildObserved c -> {}
    }
    launchReady(now);
    checkDone(now);
    if (dirty) {
      out.add(Command.WriteStatus.INSTANCE);
    }
    List<Command> result = out;
    out = null;
    return result;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  private void start(Instant now) {
    if (phase != InstancePhase.Pending) return;
    phase = InstancePhase.Running;
    startedAt = now;
    phaseMessage = null;
    Conditions.set(conditions, "Completed", false, "Running", "the run is in progress", null, now);
    out.add(new SetTimer(TimerKey.workflowTimeout(), now.plus(wf.timeout())));
    // A restarted run (contract 2) keeps some steps finished: start every step still Waiting whose
    // dependencies are satisfied. In a new run that is exactly the steps without dependencies.
    for (CompiledStep s : wf.steps()) {
      if (state[s.index()] == StepState.Waiting && pendingDeps[s.index()] == 0) ready.add(s.index());
    }
    dirty = true;
  }

  /**
   * Continues a run after an operator restart. The fields were restored from the status by
   * {@link #restore}; {@code launched} holds the newest attempt whose Job exists, by step id. A
   * Job newer than the status knows means the old operator created it but did not record it: the
   * step is running, not to be launched again.
   */
  private void resume(Map<String, Integer> launched, Instant now) {
    if (phase == InstancePhase.Pending) {
      start(now);
      return;
    }
    out.add(new SetTimer(TimerKey.workflowTimeout(), startedAt.plus(wf.timeout())));
    for (CompiledStep s : wf.steps()) {
      int i = s.index();
      if (state[i].isFinal()) continue;
      int seen = launched.getOrDefault(s.id(), 0);
      if (s.type() == dev.baton.api.StepType.JOB && seen > attempt[i]) {
        attempt[i] = seen;
        forgetJobName(i);
        jobSeen[i] = true;
        startTime[i] = now;
        setState(i, StepState.Running, "recovered: found the Job of attempt " + seen, now);
        armStepTimeout(s, i);
        continue;
      }
      switch (state[i]) {
        case Waiting -> {
          if (pendingDeps[i] == 0) ready.add(i);
        }
        case Retrying -> out.add(new SetTimer(new TimerKey(TimerKey.Kind.RETRY, s.id(), attempt[i]), retryAt[i]));
        case Launching, Running -> {
          switch (s.type()) {
            case SLEEP ->
                out.add(new SetTimer(new TimerKey(TimerKey.Kind.SLEEP, s.id(), attempt[i]), startTime[i].plus(s.sleep())));
            case NOOP -> succeed(i, Map.of(), now);
            case JOB -> {
              if (seen == attempt[i]) {
                jobSeen[i] = true;
                setState(i, StepState.Running, message[i], now);
                armStepTimeout(s, i);
              } else if (state[i] == StepState.Launching) {
                // The create may never have reached the API server; the name is the same, so
                // creating again is safe either way.
                launchJob(s, i, null, now);
              } else {
                attemptFailed(i, FailureKind.PLATFORM, "the Job of attempt " + attempt[i] + " is gone", null, now);
              }
            }
          }
        }
        default -> {}
      }
    }
    dirty = true;
  }

  /** Stops every unfinished step and ends the run in {@code endPhase}. */
  private void abort(InstancePhase endPhase, String why, Instant now) {
    for (CompiledStep s : wf.steps()) {
      int i = s.index();
      switch (state[i]) {
        case Launching, Running -> {
          if (s.type() == dev.baton.api.StepType.JOB) {
            out.add(new DeleteJob(s.id(), attempt[i], jobName(s, attempt[i])));
          }
          endTime[i] = now;
          setState(i, StepState.Stopped, "stopped: " + why, now);
        }
        case Retrying, Waiting -> {
          endTime[i] = now;
          setState(i, StepState.Stopped, (state[i] == StepState.Waiting ? "not started: " : "stopped: ") + why, now);
        }
        default -> {}
      }
    }
    finish(endPhase, why, now);
  }

  private void checkDone(Instant now) {
    if (phase != InstancePhase.Running || active > 0 || !ready.isEmpty()) return;
    if (finished == n) {
      if (failedStep != null) {
        finish(InstancePhase.Failed, failureMessage, now);
      } else {
        finish(InstancePhase.Succeeded, "all " + n + " steps finished", now);
      }
    } else if (failedStep != null) {
      for (int i = 0; i < n; i++) {
        if (state[i] == StepState.Waiting) {
          endTime[i] = now;
          setState(i, StepState.Stopped, "not started: the run failed at step \"" + failedStep + "\"", now);
        }
      }
      finish(InstancePhase.Failed, failureMessage, now);
    } else {
      // Unreachable in a DAG: roots always start, and a step waits only on unfinished steps.
      abort(InstancePhase.Failed, "internal error: no step is running and none can start", now);
    }
  }

  private void finish(InstancePhase endPhase, String why, Instant now) {
    phase = endPhase;
    endedAt = now;
    phaseMessage = why;
    Conditions.set(conditions, "Completed", true, endPhase.name(), why, null, now);
    ready.clear();
    dirty = true;
  }

  // ---- steps -------------------------------------------------------------------------------

  private void launchReady(Instant now) {
    Integer i;
    while ((i = ready.poll()) != null) {
      if (state[i] != StepState.Waiting || phase != InstancePhase.Running || failedStep != null) {
        continue;
      }
      CompiledStep s = wf.steps().get(i);
      // Step params are rendered once here: the condition sees them, and so does the Job.
      Map<String, String> stepParams;
      try {
        stepParams = renderParams(s);
      } catch (ExpressionException e) {
        finalFailure(i, FailureKind.FATAL, "could not render the step's params: " + e.getMessage(), now);
        continue;
      }
      if (s.condition() != null) {
        boolean run;
        try {
          run = s.condition().test(new Scope(visibleParams(stepParams), stepsScope));
        } catch (ExpressionException e) {
          finalFailure(i, FailureKind.FATAL, "if " + e.getMessage(), now);
          continue;
        }
        if (!run) {
          startTime[i] = now;
          endTime[i] = now;
          setState(i, StepState.Skipped, "if was false: " + s.condition().source(), now);
          satisfied(i);
          continue;
        }
      }
      launch(s, i, stepParams, now);
    }
  }

  /** Starts the next attempt of a step; {@code stepParams} are rendered anew when null. */
  private void launch(CompiledStep s, int i, Map<String, String> stepParams, Instant now) {
    attempt[i]++;
    forgetJobName(i);
    startTime[i] = now;
    endTime[i] = null;
    retryAt[i] = null;
    switch (s.type()) {
      case NOOP -> succeed(i, Map.of(), now);
      case SLEEP -> {
        setState(i, StepState.Running, "sleeping for " + s.definition().sleep, now);
        out.add(new SetTimer(new TimerKey(TimerKey.Kind.SLEEP, s.id(), attempt[i]), now.plus(s.sleep())));
      }
      case JOB -> launchJob(s, i, stepParams, now);
    }
  }

  /** Renders the current attempt's Job and asks for it. */
  private void launchJob(CompiledStep s, int i, Map<String, String> rendered, Instant now) {
    Step d = s.definition();
    List<String> command;
    List<String> args;
    List<EnvVar> env;
    Map<String, String> stepParams;
    try {
      stepParams = rendered != null ? rendered : renderParams(s);
      Scope scope = new Scope(visibleParams(stepParams), stepsScope);
      command = render(d.job.command, scope);
      args = render(d.job.args, scope);
      env = renderEnv(d.job.env, scope);
    } catch (ExpressionException e) {
      finalFailure(i, FailureKind.FATAL, "could not render the job: " + e.getMessage(), now);
      return;
    }
    jobSeen[i] = false;
    setState(i, StepState.Launching, null, now);
    out.add(
        new CreateJob(s.id(), attempt[i], jobName(s, attempt[i]), d.job, command, args, env, stepParams, s.timeout()));
    armStepTimeout(s, i);
  }

  private void armStepTimeout(CompiledStep s, int i) {
    if (s.timeout() != null) {
      out.add(new SetTimer(new TimerKey(TimerKey.Kind.STEP_TIMEOUT, s.id(), attempt[i]), startTime[i].plus(s.timeout())));
    }
  }

  private void onJobsObserved(Map<String, Integer> present, Instant now) {
    for (CompiledStep s : wf.steps()) {
      int i = s.index();
      if (s.type() != dev.baton.api.StepType.JOB || !isRunning(i)) continue;
      Integer newest = present.get(s.id());
      if (newest != null && newest == attempt[i]) {
        jobSeen[i] = true;
        onLaunched(i, attempt[i]);
      } else if (jobSeen[i]) {
        attemptFailed(
            i, FailureKind.PLATFORM, "the Job of attempt " + attempt[i] + " was deleted before the step finished", null, now);
      }
    }
  }

  private void onLaunched(int i, int att) {
    if (i >= 0 && att == attempt[i] && state[i] == StepState.Launching) {
      setState(i, StepState.Running, null, null);
    }
  }

  private void onSucceeded(int i, int att, String terminationMessage, Instant now) {
    if (!isCurrent(i, att) || !isRunning(i)) return;
    Map<String, JsonNode> parsed;
    try {
      parsed = parseOutputs(terminationMessage);
    } catch (IllegalArgumentException e) {
      // Bad output is a user error (FailureKind.USER, RetryPolicy.userErrors): retried.
      attemptFailed(i, FailureKind.USER, e.getMessage(), 0, now);
      return;
    }
    exitCode[i] = 0;
    succeed(i, parsed, now);
  }

  private void succeed(int i, Map<String, JsonNode> result, Instant now) {
    outputs[i] = result.isEmpty() ? null : result;
    endTime[i] = now;
    setState(i, StepState.Succeeded, null, now);
    satisfied(i);
  }

  /** A step ended in a way that lets its dependents go. */
  private void satisfied(int i) {
    for (int k : wf.steps().get(i).dependents()) {
      if (--pendingDeps[k] == 0) ready.add(k);
    }
  }

  private void onTimer(TimerKey t, Instant now) {
    if (t.kind() == TimerKey.Kind.WORKFLOW_TIMEOUT) {
      abort(InstancePhase.TimedOut, "the run passed its timeout of " + Durations.format(wf.timeout()), now);
      return;
    }
    int i = index(t.stepId());
    if (!isCurrent(i, t.attempt())) return;
    CompiledStep s = wf.steps().get(i);
    switch (t.kind()) {
      case STEP_TIMEOUT -> {
        if (isRunning(i)) {
          out.add(new DeleteJob(s.id(), attempt[i], jobName(s, attempt[i])));
          attemptFailed(
              i, FailureKind.TIMEOUT, "attempt " + attempt[i] + " ran past its timeout of " + s.definition().timeout, null, now);
        }
      }
      case RETRY -> {
        if (state[i] == StepState.Retrying) launch(s, i, null, now);
      }
      case SLEEP -> {
        if (state[i] == StepState.Running) succeed(i, Map.of(), now);
      }
      case WORKFLOW_TIMEOUT -> throw new IllegalStateException();
    }
  }

  /** An attempt failed: retry after the backoff while its kind's budget lasts. */
  private void attemptFailed(int i, FailureKind kind, String why, Integer code, Instant now) {
    exitCode[i] = code;
    Step d = wf.steps().get(i).definition();
    int used;
    int limit;
    switch (kind) {
      case USER -> {
        used = ++userErrors[i];
        limit = RetryPolicy.userErrors(d.retry);
      }
      case PLATFORM -> {
        used = ++platformErrors[i];
        limit = RetryPolicy.platformErrors(d.retry);
      }
      case TIMEOUT -> {
        used = ++timeouts[i];
        limit = RetryPolicy.timeouts(d.retry);
      }
      case FATAL -> {
        used = 1;
        limit = 0;
      }
      default -> throw new IllegalStateException();
    }
    if (used > limit || phase != InstancePhase.Running) {
      String budget = kind == FailureKind.FATAL ? "" : " (" + kind.name().toLowerCase() + " retries used: " + limit + ")";
      finalFailure(i, kind, why + budget, now);
      return;
    }
    Duration delay = Backoff.delayBefore(RetryPolicy.backoff(d.retry), attempt[i]);
    retryAt[i] = now.plus(delay);
    endTime[i] = now;
    setState(i, StepState.Retrying, "attempt " + attempt[i] + " failed: " + why + "; retry in " + Durations.format(delay), now);
    out.add(new SetTimer(new TimerKey(TimerKey.Kind.RETRY, d.id, attempt[i]), retryAt[i]));
  }

  /** No retries left: the failure mode decides what happens to the run. */
  private void finalFailure(int i, FailureKind kind, String why, Instant now) {
    CompiledStep s = wf.steps().get(i);
    endTime[i] = now;
    retryAt[i] = null;
    FailureMode mode = s.definition().failureModeOrDefault();
    if (mode == FailureMode.IGNORE_FAILURE) {
      setState(i, StepState.CompletedWithError, why, now);
      satisfied(i);
      return;
    }
    setState(i, kind == FailureKind.TIMEOUT ? StepState.TimedOut : StepState.Failed, why, now);
    if (failedStep == null) {
      failedStep = s.id();
      failureMessage = "step \"" + s.id() + "\" failed: " + why;
    }
    if (mode == FailureMode.FAIL_IMMEDIATELY) {
      abort(InstancePhase.Failed, failureMessage, now);
    }
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private void setState(int i, StepState next, String why, Instant now) {
    StepState prev = state[i];
    if (isActive(prev)) active--;
    if (isActive(next)) active++;
    if (!prev.isFinal() && next.isFinal()) finished++;
    state[i] = next;
    changed.set(i);
    transitions++;
    if (why != null || next != StepState.Running) message[i] = why;
    if (next.isFinal() || next == StepState.Retrying) {
      stepsScope.put(wf.steps().get(i).id(), scopeOf(i));
    }
    dirty = true;
  }

  private Map<String, Object> scopeOf(int i) {
    Map<String, Object> m = new HashMap<>();
    m.put("state", state[i].name());
    m.put("attempt", (long) attempt[i]);
    m.put("outputs", outputs[i] == null ? Map.of() : Values.fromJsonMap(outputs[i]));
    if (exitCode[i] != null) m.put("exitCode", (long) exitCode[i]);
    return m;
  }

  private static boolean isActive(StepState s) {
    return s == StepState.Launching || s == StepState.Running || s == StepState.Retrying;
  }

  private boolean isRunning(int i) {
    return state[i] == StepState.Launching || state[i] == StepState.Running;
  }

  private boolean isCurrent(int i, int att) {
    return i >= 0 && att == attempt[i];
  }

  private int index(String stepId) {
    Integer i = stepId == null ? null : wf.indexById().get(stepId);
    return i == null ? -1 : i;
  }

  private String jobName(CompiledStep s, int att) {
    int i = s.index();
    if (att != attempt[i]) return JobNames.of(instance, s.id(), att);
    if (jobNames[i] == null) jobNames[i] = JobNames.of(instance, s.id(), att);
    return jobNames[i];
  }

  private void forgetJobName(int i) {
    jobNames[i] = null;
  }

  /** What params.x means inside a step: the run's params with the step's own over them. */
  private Map<String, Object> visibleParams(Map<String, String> stepParams) {
    if (stepParams.isEmpty()) return params;
    Map<String, Object> visible = new HashMap<>(params);
    visible.putAll(stepParams);
    return visible;
  }

  private Map<String, String> renderParams(CompiledStep s) {
    if (s.params().isEmpty()) return Map.of();
    Map<String, String> rendered = new LinkedHashMap<>();
    Scope scope = new Scope(params, stepsScope);
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

  public String instance() {
    return instance;
  }

  public CompiledWorkflow workflow() {
    return wf;
  }

  public StepState stepState(String stepId) {
    int i = index(stepId);
    return i < 0 ? null : state[i];
  }

  public int attempt(String stepId) {
    int i = index(stepId);
    return i < 0 ? 0 : attempt[i];
  }

  /** The whole status as it should be written now. */
  public WorkflowInstanceStatus snapshot() {
    WorkflowInstanceStatus st = new WorkflowInstanceStatus();
    st.phase = phase;
    st.startTime = str(startedAt);
    st.endTime = str(endedAt);
    st.progress = finished + "/" + n;
    st.message = phaseMessage;
    st.definitionHash = wf.hash();
    st.definition = definition;
    st.params = runParams;
    st.run = run;
    st.history = history;
    // Copies: the writer fills in observedGeneration on its own thread.
    st.conditions = new ArrayList<>(conditions.size());
    for (Condition c : conditions) st.conditions.add(new io.fabric8.kubernetes.api.model.ConditionBuilder(c).build());
    st.steps = new LinkedHashMap<>(n * 4 / 3 + 1);
    for (CompiledStep s : wf.steps()) {
      int i = s.index();
      if (stepStatus[i] == null || changed.get(i)) {
        stepStatus[i] = stepStatus(s, i);
      }
      st.steps.put(s.id(), stepStatus[i]);
    }
    changed.clear();
    return st;
  }

  /**
   * A step's entry, made anew only when the step changed: a snapshot of a large run costs a map of
   * references, not a rebuild. Entries are never modified once handed out.
   */
  private StepStatus stepStatus(CompiledStep s, int i) {
    StepStatus ss = new StepStatus();
    ss.state = state[i];
    ss.attempt = attempt[i];
    ss.jobName = s.type() == dev.baton.api.StepType.JOB && attempt[i] > 0 ? jobName(s, attempt[i]) : null;
    ss.startTime = str(startTime[i]);
    ss.endTime = str(endTime[i]);
    ss.retryAt = state[i] == StepState.Retrying ? str(retryAt[i]) : null;
    ss.message = message[i];
    ss.exitCode = exitCode[i];
    ss.userErrors = userErrors[i] == 0 ? null : userErrors[i];
    ss.platformErrors = platformErrors[i] == 0 ? null : platformErrors[i];
    ss.timeouts = timeouts[i] == 0 ? null : timeouts[i];
    ss.outputs = outputs[i];
    return ss;
  }

  /**
   * Loads a run's state from its written status, before a {@link FlowEvent.Resume}. Steps the
   * status does not mention stay Waiting.
   */
  public void restore(WorkflowInstanceStatus status) {
    changed.set(0, n);
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
    for (CompiledStep s : wf.steps()) {
      int i = s.index();
      StepStatus ss = status.steps == null ? null : status.steps.get(s.id());
      if (ss == null || ss.state == null) continue;
      state[i] = ss.state;
      attempt[i] = ss.attempt == null ? 0 : ss.attempt;
      forgetJobName(i);
      startTime[i] = parse(ss.startTime);
      endTime[i] = parse(ss.endTime);
      retryAt[i] = parse(ss.retryAt);
      message[i] = ss.message;
      exitCode[i] = ss.exitCode;
      userErrors[i] = ss.userErrors == null ? 0 : ss.userErrors;
      platformErrors[i] = ss.platformErrors == null ? 0 : ss.platformErrors;
      timeouts[i] = ss.timeouts == null ? 0 : ss.timeouts;
      outputs[i] = ss.outputs;
      if (startTime[i] == null && isActive(state[i])) startTime[i] = startedAt;
      if (state[i] == StepState.Retrying && retryAt[i] == null) retryAt[i] = startedAt;
      if (isActive(state[i])) active++;
      if (state[i].isFinal()) finished++;
      if (state[i].isFinal() || state[i] == StepState.Retrying) stepsScope.put(s.id(), scopeOf(i));
      if ((state[i] == StepState.Failed || state[i] == StepState.TimedOut) && failedStep == null) {
        failedStep = s.id();
        failureMessage = "step \"" + s.id() + "\" failed: " + message[i];
      }
    }
    for (CompiledStep s : wf.steps()) {
      for (int j : s.dependencies()) {
        if (state[j].satisfiesDependents()) pendingDeps[s.index()]--;
      }
    }
  }

  private static String str(Instant t) {
    return t == null ? null : t.toString();
  }

  private static Instant parse(String t) {
    return t == null ? null : Instant.parse(t);
  }
}
