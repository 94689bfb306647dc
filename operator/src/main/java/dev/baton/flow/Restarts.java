package dev.baton.flow;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.LoopStatus;
import dev.baton.api.RestartFrom;
import dev.baton.api.RestartRequest;
import dev.baton.api.RunRecord;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.StepType;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The restart action as a pure function: a finished run's status and a {@link RestartRequest} in,
 * the status of the next run out, waiting to start (phase Queued). The definition and params pinned
 * by the first run are kept: a restart does not pick up edits to the Workflow.
 *
 * <p>Attempt numbers keep counting across runs. A Job's name is a function of (instance, step,
 * attempt), and the Jobs of the earlier run may still exist (their TTL is a day): starting again at
 * attempt 1 would collide with the old Job, whose AlreadyExists the runtime takes as "launched",
 * and the step would be said to run the old Job. A reset step therefore stays at its last attempt,
 * so its next launch gets a new number. Its retry budgets (userErrors and the like) start afresh.
 */
public final class Restarts {
  /** Earlier runs kept in {@link WorkflowInstanceStatus#history}; the oldest is dropped first. */
  public static final int HISTORY_LIMIT = 20;

  /** Condition naming how the current run was started; it lasts as long as the run. */
  public static final String RESTARTED = "Restarted";

  /** Condition saying why a restart request is not (yet) applied. */
  public static final String RESTART_PENDING = "RestartPending";

  private static final String FROM = " from ";

  private Restarts() {}

  /** The status's run number; a status from before runs were counted is run 1. */
  public static int run(WorkflowInstanceStatus status) {
    return status == null || status.run == null ? 1 : status.run;
  }

  /** How a request reads in the history: Incomplete, Beginning or Step:&lt;id&gt;. */
  public static String describe(RestartRequest req) {
    RestartFrom from = req.fromOrDefault();
    return from == RestartFrom.Step ? "Step:" + req.step : from.name();
  }

  /**
   * Why {@code req} cannot be applied to {@code old}, for people; null when it can. A request
   * already applied (its run is not past the status's) is not refused here: callers ignore it.
   */
  public static String refusal(
      WorkflowInstanceStatus old, RestartRequest req, CompiledWorkflow wf) {
    int run = run(old);
    if (old == null || old.phase == null || !old.phase.isFinal()) {
      String phase = old == null || old.phase == null ? "not started" : old.phase.name();
      return "run "
          + run
          + " is "
          + phase
          + "; the restart to run "
          + req.run
          + " waits for it to end";
    }
    if (req.run == null || req.run != run + 1) {
      return "spec.restart.run is "
          + req.run
          + " but the next run is "
          + (run + 1)
          + ": set spec.restart.run to "
          + (run + 1);
    }
    RestartFrom from = req.fromOrDefault();
    if (from == RestartFrom.Step && (req.step == null || wf.step(req.step) == null)) {
      return "spec.restart.step \""
          + req.step
          + "\" is not a top-level step of the definition this instance runs"
          + " (steps: "
          + String.join(", ", wf.spec().steps.stream().map(st -> st.id).toList())
          + ")";
    }
    if (from == RestartFrom.Incomplete && rerunIncomplete(old, wf).isEmpty()) {
      return "run "
          + run
          + " "
          + old.phase
          + " with every step Succeeded or Skipped: nothing is incomplete;"
          + " restart from: Beginning, or from: Step with a step";
    }
    return null;
  }

  /**
   * The next run's status.
   *
   * @throws IllegalArgumentException when {@link #refusal} has a reason
   */
  public static WorkflowInstanceStatus apply(
      WorkflowInstanceStatus old, RestartRequest req, CompiledWorkflow wf, Instant now) {
    String refused = refusal(old, req, wf);
    if (refused != null) throw new IllegalArgumentException(refused);
    RestartFrom from = req.fromOrDefault();
    BitSet rerun =
        switch (from) {
          case Incomplete -> rerunIncomplete(old, wf);
          case Beginning -> all(wf);
          case Step -> {
            BitSet r = rerunIncomplete(old, wf);
            r.or(downstreamOf(wf.step(req.step), wf));
            yield r;
          }
        };
    // Steps reset by Beginning, or as part of Step's downstream, run whole: their loop records go.
    BitSet whole = from == RestartFrom.Beginning ? all(wf) : new BitSet();
    if (from == RestartFrom.Step) whole.or(downstreamOf(wf.step(req.step), wf));

    WorkflowInstanceStatus next = Json.copy(old);
    int run = run(old) + 1;
    next.run = run;
    next.history = history(old, wf);
    next.phase = InstancePhase.Queued;
    next.startTime = null;
    next.endTime = null;
    next.rollup = null;
    next.activeChildren = null;
    next.message = "run " + run + " restarted from " + describe(req) + "; waiting to start";
    Map<String, StepStatus> steps = new LinkedHashMap<>();
    int kept = 0;
    for (CompiledStep s : wf.steps()) {
      StepStatus was = next.steps == null ? null : next.steps.get(s.id());
      if (!rerun.get(s.index())) {
        steps.put(s.id(), was);
        kept++;
      } else {
        LoopStatus loop = whole.get(s.index()) || was == null ? null : keepSucceeded(was.loop, s);
        steps.put(s.id(), reset(was, loop));
      }
    }
    next.steps = steps;
    next.progress = kept + "/" + wf.size();
    if (next.conditions == null) next.conditions = new ArrayList<>();
    next.conditions.removeIf(c -> RESTART_PENDING.equals(c.getType()));
    Conditions.set(
        next.conditions, Conditions.COMPLETED, false, "Restarted", next.message, null, now);
    Conditions.set(
        next.conditions,
        RESTARTED,
        true,
        from.name(),
        "run " + run + FROM + describe(req),
        null,
        now);
    return next;
  }

  /** How the status's current run was started, as {@link #describe} put it; null for run 1. */
  static String restartedFrom(WorkflowInstanceStatus status) {
    Condition c = Conditions.find(status.conditions, RESTARTED);
    if (c == null || c.getMessage() == null) return null;
    int at = c.getMessage().indexOf(FROM);
    return at < 0 ? null : c.getMessage().substring(at + FROM.length());
  }

  /**
   * Steps a restart from Incomplete runs again: all but those Succeeded or Skipped. A step that
   * CompletedWithError (its failure was ignored) runs again too: it did not do its work, and a
   * restart is how a person asks for that work to be done.
   */
  private static BitSet rerunIncomplete(WorkflowInstanceStatus old, CompiledWorkflow wf) {
    BitSet rerun = new BitSet();
    for (CompiledStep s : wf.steps()) {
      StepStatus st = old.steps == null ? null : old.steps.get(s.id());
      boolean done =
          st != null && (st.state == StepState.Succeeded || st.state == StepState.Skipped);
      if (!done) rerun.set(s.index());
    }
    return rerun;
  }

  private static BitSet all(CompiledWorkflow wf) {
    BitSet b = new BitSet();
    b.set(0, wf.size());
    return b;
  }

  /** The step and every step that depends on it, directly or not. */
  private static BitSet downstreamOf(CompiledStep from, CompiledWorkflow wf) {
    return dev.baton.dag.StepGraph.downstreamOf(wf, from.index());
  }

  /** Waiting again, at the same attempt (see the class comment), with fresh retry budgets. */
  private static StepStatus reset(StepStatus was, LoopStatus loop) {
    StepStatus s = new StepStatus();
    s.state = StepState.Waiting;
    s.attempt = was == null || was.attempt == null ? 0 : was.attempt;
    s.loop = loop;
    return s;
  }

  /**
   * What a loop keeps when it runs again: its succeeded iterations, which do not run again.
   * Everything about the others (their ranges, errors, iterations under way) is dropped, so they
   * run whole. Null when nothing succeeded.
   */
  static LoopStatus keepSucceeded(LoopStatus old, CompiledStep s) {
    if (old == null || old.succeeded == null || old.succeeded.isBlank()) return null;
    RangeSet succeeded;
    try {
      succeeded = RangeSet.parse(old.succeeded);
    } catch (IllegalArgumentException e) {
      // An unreadable record keeps nothing: the loop runs whole rather than on a wrong count.
      return null;
    }
    LoopStatus l = new LoopStatus();
    // A while loop's length is known only once it ends; a foreach's is fixed by its pinned params.
    l.total = s.type() == StepType.WHILE ? null : old.total;
    l.succeeded = old.succeeded;
    l.states = new LinkedHashMap<>(Map.of(StepState.Succeeded.name(), succeeded.size()));
    // Leaves of finished iterations are counted together, so those of the succeeded ones can be
    // told apart only when no iteration ended otherwise. If some did, the kept iterations' leaves
    // are left out of the rollup rather than miscounted.
    boolean onlySucceeded = old.unsuccessful == null || old.unsuccessful.isBlank();
    l.finishedLeaves =
        onlySucceeded && old.finishedLeaves != null
            ? new LinkedHashMap<>(old.finishedLeaves)
            : null;
    // A while loop's next iteration reads the last finished one's outputs.
    l.last = s.type() == StepType.WHILE ? old.last : null;
    return l;
  }

  /**
   * Whether {@code next} runs the occurrence at {@code path} again, inside a loop that runs again:
   * then the earlier run's Job or child instance of that path must go, since the iteration's
   * attempts start again at 1 and would take the old one's name. A top-level step's attempts keep
   * counting instead, so its old Jobs never collide.
   */
  public static boolean rerunsIteration(WorkflowInstanceStatus next, String path) {
    return rerunsIteration(next, StepPath.parse(path));
  }

  /** {@link #rerunsIteration(WorkflowInstanceStatus, String)} for a path; false for null. */
  public static boolean rerunsIteration(WorkflowInstanceStatus next, StepPath p) {
    if (p == null || p.depth() == 0) return false;
    StepStatus loopStep = next.steps == null ? null : next.steps.get(p.step(0));
    if (loopStep == null || loopStep.state != StepState.Waiting) return false;
    long index = p.iteration(0);
    if (index < 0) return false;
    return loopStep.loop == null
        || loopStep.loop.succeeded == null
        || !inRanges(loopStep.loop.succeeded, index);
  }

  /** Whether {@code ranges} holds {@code index}; an unreadable record holds nothing. */
  private static boolean inRanges(String ranges, long index) {
    try {
      return RangeSet.parse(ranges).contains(index);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static List<RunRecord> history(WorkflowInstanceStatus old, CompiledWorkflow wf) {
    List<RunRecord> history =
        old.history == null ? new ArrayList<>() : new ArrayList<>(old.history);
    RunRecord r = new RunRecord();
    r.run = run(old);
    r.phase = old.phase;
    r.startTime = old.startTime;
    r.endTime = old.endTime;
    r.message = old.message;
    r.restartedFrom = restartedFrom(old);
    r.steps = new LinkedHashMap<>();
    for (CompiledStep s : wf.steps()) {
      StepStatus st = old.steps == null ? null : old.steps.get(s.id());
      if (st == null || st.state == null) continue;
      r.steps.put(s.id(), st.state + "/" + (st.attempt == null ? 0 : st.attempt));
    }
    r.rollup = old.rollup;
    history.add(r);
    while (history.size() > HISTORY_LIMIT) history.removeFirst();
    return history;
  }
}
