package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Rollup;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.expr.Values;
import java.time.Instant;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * One occurrence of a DAG and its steps' state: the run itself, or one iteration of a loop (a frame
 * over the loop step's body). Data, and the counts that follow from a step's state; {@link
 * InstanceFlow} holds the rules. An iteration's frame exists only while the iteration is under way.
 */
final class Frame {
  final CompiledWorkflow wf;

  /** The loop this frame is an iteration of; null for the run's own frame. */
  final LoopState owner;

  /** The iteration number within {@link #owner}; 0 for the run's frame. */
  final long index;

  /** What a step's path starts with: "" at the top, "days.3." in iteration 3 of loop days. */
  final String prefix;

  /** loop.* inside this frame: the enclosing loops' values, this loop's, and index. */
  final Map<String, Object> loopScope;

  /** A while loop's previous iteration's steps by id (last.*); empty elsewhere. */
  final Map<String, Object> lastScope;

  /** loop values by param name, as the status shows them; null at the top and in while loops. */
  final Map<String, JsonNode> values;

  final int n;

  final StepState[] state;
  final int[] attempt;
  final int[] pendingDeps;
  final Instant[] startTime;
  final Instant[] endTime;
  final Instant[] retryAt;
  final String[] message;
  final Integer[] exitCode;
  final int[] userErrors;
  final int[] platformErrors;
  final int[] timeouts;
  final Map<String, JsonNode>[] outputs;

  /**
   * The current attempt's workload (Job or child instance) has been seen: its absence means
   * deletion.
   */
  final boolean[] workloadSeen;

  /**
   * When the runtime was last asked to confirm that the current attempt's workload is gone; null:
   * not asked.
   */
  final Instant[] goneAskedAt;

  /** The current attempt's workload name (Job or child instance), computed once per attempt. */
  final String[] workloadNames;

  /** The loop of each loop step, once it has one. */
  final LoopState[] loops;

  /** A subworkflow step's child rollup, once the child reported one. */
  final Rollup[] childRollups;

  /** Why the current attempt's pod is stuck ("reason: message"), while it is; else null. */
  final String[] stuck;

  /** Since when the current attempt's pod is stuck, while it is. */
  final Instant[] stuckSince;

  /** The step is in the ready queue or waits for a permit. */
  final boolean[] queued;

  /** A signal step's attempt: the Signal that released it, once one did. */
  final dev.baton.api.SignalRef[] released;

  /** The Signal objects the step emitted when it succeeded (its output signals), by name. */
  final java.util.List<String>[] emitted;

  /**
   * The step's work succeeded and its output signals are being created: it stays Running, and
   * nothing but their outcome moves it.
   */
  final boolean[] emitting;

  private final StepPath[] paths;

  /** steps.* entries of this frame's finished steps, by id. */
  final Map<String, Object> stepsScope = new HashMap<>();

  /** Each step's last status entry, and which steps changed since: see StatusProjection. */
  final StepStatus[] stepStatus;

  final BitSet changed = new BitSet();

  /** In an iteration: each started step's entry as compact JSON, and the map of them. */
  final JsonNode[] stepJson;

  Map<String, JsonNode> statusSteps;

  /** In an iteration: the BATON_LOOP_* env of its Jobs, made once. */
  java.util.List<io.fabric8.kubernetes.api.model.EnvVar> loopEnv;

  /** Steps Launching, Running or Retrying, and loops Running. */
  int active;

  /** Steps in the ready queue or the permit queue. */
  int queuedCount;

  int finished;

  /** The first step that failed for good, and why the frame failed. */
  String failedStep;

  String failureMessage;

  /** The frame has ended; events for it are ignored. */
  boolean ended;

  @SuppressWarnings("unchecked")
  Frame(
      CompiledWorkflow wf,
      LoopState owner,
      long index,
      String prefix,
      Map<String, Object> loopScope,
      Map<String, Object> lastScope,
      Map<String, JsonNode> values) {
    this.wf = wf;
    this.owner = owner;
    this.index = index;
    this.prefix = prefix;
    this.loopScope = loopScope;
    this.lastScope = lastScope;
    this.values = values;
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
    workloadSeen = new boolean[n];
    workloadNames = new String[n];
    goneAskedAt = new Instant[n];
    loops = new LoopState[n];
    childRollups = new Rollup[n];
    queued = new boolean[n];
    released = new dev.baton.api.SignalRef[n];
    emitted = new java.util.List[n];
    emitting = new boolean[n];
    stuck = new String[n];
    stuckSince = new Instant[n];
    paths = new StepPath[n];
    stepStatus = new StepStatus[n];
    stepJson = owner == null ? null : new JsonNode[n];
    for (CompiledStep s : wf.steps()) {
      state[s.index()] = StepState.Waiting;
      pendingDeps[s.index()] = s.dependencies().length;
    }
  }

  /**
   * Moves step {@code i} to {@code next} and keeps the counts by state, and the steps.* entry of a
   * step that ended or waits to retry. The one place a step's state changes.
   */
  void moveTo(int i, StepState next) {
    StepState prev = state[i];
    if (isActive(prev)) active--;
    if (isActive(next)) active++;
    if (!prev.isFinal() && next.isFinal()) finished++;
    state[i] = next;
    if (next.isFinal() || next == StepState.Retrying) stepsScope.put(step(i).id(), scopeOf(i));
  }

  /**
   * Counts a failure of {@code kind} against step i's retry budget: the count so far (fatal: 1).
   */
  int countFailure(int i, FailureKind kind) {
    return switch (kind) {
      case USER -> ++userErrors[i];
      case PLATFORM -> ++platformErrors[i];
      case TIMEOUT -> ++timeouts[i];
      case FATAL -> 1;
    };
  }

  /** Puts step {@code i} in a queue (ready or permit); false when it is in one already. */
  boolean queue(int i) {
    if (queued[i]) return false;
    queued[i] = true;
    queuedCount++;
    return true;
  }

  void unqueue(int i) {
    queued[i] = false;
    queuedCount--;
  }

  /**
   * Marks a step's status entry for rebuilding, and the loop steps above it: a step's bit is set
   * only with its ancestors' bits, so a bit already set ends the walk.
   */
  void markChanged(int i) {
    Frame f = this;
    while (f != null && !f.changed.get(i)) {
      f.changed.set(i);
      if (f.owner == null) return;
      i = f.owner.stepIndex;
      f = f.owner.frame;
    }
  }

  /** The current attempt's workload name: a Job's, or a child instance's. */
  String workloadName(String instance, int i) {
    if (workloadNames[i] == null)
      workloadNames[i] = JobNames.of(instance, path(i).toString(), attempt[i]);
    return workloadNames[i];
  }

  /** The occurrence a path names below this (top) frame, or null when it names none under way. */
  Occurrence locate(String path) {
    return locate(StepPath.parse(path));
  }

  /**
   * The occurrence {@code p} names below this (top) frame, or null when it names none under way.
   */
  Occurrence locate(StepPath p) {
    if (p == null) return null;
    Frame f = this;
    for (int level = 0; ; level++) {
      Integer i = f.wf.indexById().get(p.step(level));
      if (i == null) return null;
      if (level == p.depth()) return new Occurrence(f, i);
      if (f.loops[i] == null) return null;
      f = f.loops[i].active.get(p.iteration(level));
      if (f == null || f.ended) return null;
    }
  }

  /**
   * This frame and every iteration under way below it, parents first. A copy: safe to change
   * frames.
   */
  java.util.List<Frame> withIterations() {
    java.util.List<Frame> frames = new java.util.ArrayList<>();
    frames.add(this);
    for (int k = 0; k < frames.size(); k++) {
      for (LoopState loop : frames.get(k).loops) {
        if (loop != null) frames.addAll(loop.active.values());
      }
    }
    return frames;
  }

  CompiledStep step(int i) {
    return wf.steps().get(i);
  }

  StepPath path(int i) {
    StepPath p = paths[i];
    if (p == null) {
      p = StepPath.of(prefix + wf.steps().get(i).id());
      paths[i] = p;
    }
    return p;
  }

  /** The frame of the loop step this frame iterates, or null at the top. */
  Frame parent() {
    return owner == null ? null : owner.frame;
  }

  /** steps.* as seen inside this frame: its own steps over those visible outside the loop. */
  Map<String, Object> visibleSteps() {
    Frame parent = parent();
    if (parent == null) return stepsScope;
    Map<String, Object> outer = parent.visibleSteps();
    if (outer.isEmpty()) return stepsScope;
    Map<String, Object> merged = new HashMap<>(outer);
    merged.putAll(stepsScope);
    return merged;
  }

  /** A step's steps.* entry: the same shape as last.* in a while loop. */
  Map<String, Object> scopeOf(int i) {
    Map<String, Object> m = new HashMap<>();
    m.put("state", state[i].name());
    m.put("attempt", (long) attempt[i]);
    m.put("outputs", outputs[i] == null ? Map.of() : Values.fromJsonMap(outputs[i]));
    if (exitCode[i] != null) m.put("exitCode", (long) exitCode[i]);
    if (released[i] != null) m.put("signal", released[i].name);
    return m;
  }

  /** The run's frame is done when nothing in it can still move. */
  boolean quiet() {
    return active == 0 && (queuedCount == 0 || failedStep != null);
  }

  /** Launching, Running or Retrying: the step holds its frame open. */
  static boolean isActive(StepState s) {
    return s == StepState.Launching || s == StepState.Running || s == StepState.Retrying;
  }

  boolean isRunning(int i) {
    return state[i] == StepState.Launching || state[i] == StepState.Running;
  }
}
