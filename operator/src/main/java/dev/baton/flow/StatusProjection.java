package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.api.IterationStatus;
import dev.baton.api.Json;
import dev.baton.api.LoopStatus;
import dev.baton.api.Rollup;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.StepType;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.util.Text;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The frames as the status shows them: step entries, loops, rollups. Kept small however long a
 * loop, and cheap however large the run: an entry is made anew only when its step changed.
 */
final class StatusProjection {
  private static final StepState[] STATES = StepState.values();

  /** The longest message a step's status entry holds, in characters. */
  static final int MAX_MESSAGE = 1024;

  /** The most JSON a step's kept outputs may take, in characters. */
  static final int MAX_OUTPUTS = 4096;

  private final String instance;
  private final Map<CompiledWorkflow, Long> staticLeaves = new IdentityHashMap<>();

  /**
   * @param instance the instance's name, which workload names start with
   */
  StatusProjection(String instance) {
    this.instance = instance;
  }

  /** Fills in the steps of {@code st}, its progress and its rollup from the run's frame. */
  void project(Frame top, WorkflowInstanceStatus st) {
    st.progress = top.finished + "/" + top.n;
    st.steps = new LinkedHashMap<>(top.n * 4 / 3 + 1);
    for (CompiledStep s : top.wf.steps()) {
      st.steps.put(s.id(), stepStatus(top, s.index()));
    }
    top.changed.clear();
    st.rollup = rollup(leafCounts(top));
  }

  /**
   * A step's entry, made anew only when the step (or anything in its loop) changed: a snapshot of a
   * large run costs a map of references, not a rebuild. Entries are never modified once handed out.
   */
  private StepStatus stepStatus(Frame f, int i) {
    if (f.stepStatus[i] != null && !f.changed.get(i)) return f.stepStatus[i];
    CompiledStep s = f.step(i);
    StepStatus ss = new StepStatus();
    ss.state = f.state[i];
    ss.attempt = f.attempt[i];
    ss.jobName = s.type() == StepType.JOB && f.attempt[i] > 0 ? f.workloadName(instance, i) : null;
    ss.child =
        s.type() == StepType.SUBWORKFLOW && f.attempt[i] > 0 ? f.workloadName(instance, i) : null;
    ss.startTime = str(f.startTime[i]);
    ss.endTime = str(f.endTime[i]);
    ss.retryAt = f.state[i] == StepState.Retrying ? str(f.retryAt[i]) : null;
    ss.message = f.message[i] == null ? null : Text.abbreviate(f.message[i], MAX_MESSAGE);
    ss.exitCode = f.exitCode[i];
    ss.userErrors = f.userErrors[i] == 0 ? null : f.userErrors[i];
    ss.platformErrors = f.platformErrors[i] == 0 ? null : f.platformErrors[i];
    ss.timeouts = f.timeouts[i] == 0 ? null : f.timeouts[i];
    ss.outputs = keptOutputs(f, i);
    ss.signal = f.released[i];
    ss.emittedSignals = f.emitted[i];
    if (f.loops[i] != null) ss.loop = loopStatus(f.loops[i]);
    f.stepStatus[i] = ss;
    return ss;
  }

  /**
   * The outputs the status keeps: those of a top-level step (a parent run's subworkflow step reads
   * them, and so may a person) and of a step some expression reads (a restarted operator reads them
   * back from the status), each at most {@link #MAX_OUTPUTS} bytes of JSON. The engine keeps every
   * step's outputs in memory regardless.
   */
  private static Map<String, JsonNode> keptOutputs(Frame f, int i) {
    Map<String, JsonNode> outputs = f.outputs[i];
    if (outputs == null) return null;
    if (f.owner != null && !f.wf.read().contains(f.step(i).id())) return null;
    if (Json.write(outputs).length() > MAX_OUTPUTS) return null;
    return outputs;
  }

  /**
   * An iteration's started steps as compact JSON (no nulls, no Job names), rebuilt when changed.
   */
  private Map<String, JsonNode> iterationSteps(Frame iteration) {
    if (iteration.statusSteps != null && iteration.changed.isEmpty()) return iteration.statusSteps;
    Map<String, JsonNode> steps = new LinkedHashMap<>();
    for (int i = 0; i < iteration.n; i++) {
      if (iteration.state[i] == StepState.Waiting && iteration.message[i] == null) continue;
      boolean changed = iteration.changed.get(i);
      StepStatus ss = stepStatus(iteration, i);
      JsonNode node =
          changed || iteration.stepJson[i] == null ? compact(ss) : iteration.stepJson[i];
      iteration.stepJson[i] = node;
      steps.put(iteration.step(i).id(), node);
    }
    iteration.changed.clear();
    iteration.statusSteps = steps;
    return steps;
  }

  /** Leaf steps (job, sleep, noop; a subworkflow's child's, when known) by state ordinal. */
  long[] leafCounts(Frame f) {
    long[] counts = new long[STATES.length];
    addLeaves(f, counts);
    return counts;
  }

  private void addLeaves(Frame f, long[] counts) {
    for (int i = 0; i < f.n; i++) {
      CompiledStep s = f.step(i);
      switch (s.type()) {
        case JOB, SLEEP, NOOP, SIGNAL -> counts[f.state[i].ordinal()]++;
        case SUBWORKFLOW -> {
          if (!addRollup(f.childRollups[i], counts)) counts[f.state[i].ordinal()]++;
        }
        case FOREACH, WHILE -> {
          LoopState loop = f.loops[i];
          if (loop == null) continue;
          for (int k = 0; k < counts.length; k++) counts[k] += loop.finishedLeaves[k];
          for (Frame iteration : loop.active.values()) addLeaves(iteration, counts);
          if (!loop.closed && f.state[i] == StepState.Running && loop.total > 0) {
            long notStarted = loop.total - loop.finishedCount() - loop.active.size();
            if (notStarted > 0)
              counts[StepState.Waiting.ordinal()] += notStarted * staticLeaves(s.body());
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

  static Rollup rollup(long[] counts) {
    Rollup r = new Rollup();
    long total = 0;
    long done = 0;
    Map<String, Long> states = new LinkedHashMap<>();
    for (StepState s : STATES) {
      long c = counts[s.ordinal()];
      if (c == 0) continue;
      states.put(s.name(), c);
      total += c;
      if (s.isFinal()) done += c;
    }
    r.total = total;
    r.done = done;
    r.progress = done + "/" + total;
    r.states = states;
    return r;
  }

  /** A stopped child's rollup as it will end: its unfinished leaves Stopped. Null stays null. */
  static Rollup stopped(Rollup rollup) {
    if (rollup == null || rollup.states == null) return rollup;
    long[] counts = new long[STATES.length];
    rollup.states.forEach((name, count) -> {
      StepState s = state(name);
      if (s != null && count != null)
        counts[(s.isFinal() ? s : StepState.Stopped).ordinal()] += count;
    });
    return rollup(counts);
  }

  /** Adds a child's rollup to {@code counts}; false when there is none to add. */
  static boolean addRollup(Rollup rollup, long[] counts) {
    if (rollup == null || rollup.states == null || rollup.states.isEmpty()) return false;
    rollup.states.forEach((name, count) -> {
      StepState s = state(name);
      if (s != null && count != null) counts[s.ordinal()] += count;
    });
    return true;
  }

  private LoopStatus loopStatus(LoopState loop) {
    LoopStatus ls = new LoopStatus();
    ls.total = loop.total >= 0 ? loop.total : null;
    Map<String, Long> states = new LinkedHashMap<>();
    if (!loop.active.isEmpty()) states.put(StepState.Running.name(), (long) loop.active.size());
    for (StepState s : STATES) {
      if (loop.iterations[s.ordinal()] > 0) states.put(s.name(), loop.iterations[s.ordinal()]);
    }
    ls.states = states;
    ls.succeeded = loop.succeeded.isEmpty() ? null : loop.succeeded.toString();
    ls.unsuccessful = loop.unsuccessful.isEmpty() ? null : loop.unsuccessful.toString();
    ls.errors = loop.errors.isEmpty() ? null : new ArrayList<>(loop.errors);
    if (!loop.active.isEmpty()) {
      ls.active = new LinkedHashMap<>();
      for (Frame iteration : loop.active.values()) {
        IterationStatus is = new IterationStatus();
        is.values = iteration.values;
        is.steps = iterationSteps(iteration);
        ls.active.put(Long.toString(iteration.index), is);
      }
    }
    Map<String, Long> leaves = new LinkedHashMap<>();
    for (StepState s : STATES) {
      if (loop.finishedLeaves[s.ordinal()] > 0)
        leaves.put(s.name(), loop.finishedLeaves[s.ordinal()]);
    }
    ls.finishedLeaves = leaves.isEmpty() ? null : leaves;
    ls.last = loop.isWhile ? loop.lastJson : null;
    return ls;
  }

  /** An iteration's step entry: no nulls (the mapper drops them) and no Job name. */
  private static JsonNode compact(StepStatus ss) {
    ObjectNode node = Json.MAPPER.valueToTree(ss);
    node.remove("jobName");
    return node;
  }

  static String str(Instant t) {
    return t == null ? null : t.toString();
  }

  /** A state by name; null for a name this version does not know. */
  static StepState state(String name) {
    try {
      return StepState.valueOf(name);
    } catch (IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }
}
