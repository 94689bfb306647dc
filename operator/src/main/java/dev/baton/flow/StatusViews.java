package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.api.IterationFailurePolicy;
import dev.baton.api.IterationStatus;
import dev.baton.api.Json;
import dev.baton.api.LoopStatus;
import dev.baton.api.Rollup;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.expr.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** How loops and leaf counts read in the status, and back: kept small however long the loop. */
final class StatusViews {
  private static final StepState[] STATES = StepState.values();

  private StatusViews() {}

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
    rollup.states.forEach(
        (name, count) -> {
          StepState s = state(name);
          if (s != null && count != null) counts[(s.isFinal() ? s : StepState.Stopped).ordinal()] += count;
        });
    return rollup(counts);
  }

  /** Adds a child's rollup to {@code counts}; false when there is none to add. */
  static boolean addRollup(Rollup rollup, long[] counts) {
    if (rollup == null || rollup.states == null || rollup.states.isEmpty()) return false;
    rollup.states.forEach(
        (name, count) -> {
          StepState s = state(name);
          if (s != null && count != null) counts[s.ordinal()] += count;
        });
    return true;
  }

  static LoopStatus loopStatus(LoopState loop, Function<Frame, Map<String, JsonNode>> steps) {
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
        is.steps = steps.apply(iteration);
        ls.active.put(Long.toString(iteration.index), is);
      }
    }
    Map<String, Long> leaves = new LinkedHashMap<>();
    for (StepState s : STATES) {
      if (loop.finishedLeaves[s.ordinal()] > 0) leaves.put(s.name(), loop.finishedLeaves[s.ordinal()]);
    }
    ls.finishedLeaves = leaves.isEmpty() ? null : leaves;
    ls.last = loop.isWhile ? loop.lastJson : null;
    return ls;
  }

  /** An iteration's step entry: no nulls (the mapper drops them) and no Job name. */
  static JsonNode compact(StepStatus ss) {
    ObjectNode node = Json.MAPPER.valueToTree(ss);
    node.remove("jobName");
    return node;
  }

  /**
   * A loop's finished iterations from its written record: ranges, counts, errors, leaves and a
   * while loop's last. Iterations under way are the caller's.
   */
  static void restoreRecords(LoopState loop, LoopStatus ls) {
    try {
      loop.succeeded = RangeSet.parse(ls.succeeded);
      loop.unsuccessful = RangeSet.parse(ls.unsuccessful);
    } catch (IllegalArgumentException e) {
      loop.restoreError = "the loop's record of finished iterations is unreadable: " + e.getMessage();
      return;
    }
    loop.iterations[StepState.Succeeded.ordinal()] = loop.succeeded.size();
    long other = 0;
    if (ls.states != null) {
      for (Map.Entry<String, Long> e : ls.states.entrySet()) {
        StepState s = state(e.getKey());
        if (s == null || s == StepState.Succeeded || s == StepState.Running || e.getValue() == null) continue;
        loop.iterations[s.ordinal()] = e.getValue();
        other += e.getValue();
      }
    }
    if (other != loop.unsuccessful.size()) {
      // Counts that disagree with the ranges (a restart kept the one, not the other): the ranges win.
      for (StepState s : STATES) if (s != StepState.Succeeded) loop.iterations[s.ordinal()] = 0;
      loop.iterations[StepState.Failed.ordinal()] = loop.unsuccessful.size();
    }
    if (ls.errors != null) {
      for (String e : ls.errors) if (loop.errors.size() < LoopState.MAX_ERRORS) loop.errors.add(e);
      if (!loop.errors.isEmpty()) loop.firstFailure = loop.errors.getFirst();
    }
    if (loop.policy == IterationFailurePolicy.STOP && loop.iterations[StepState.Failed.ordinal()] > 0) {
      loop.stopping = true;
    }
    if (ls.finishedLeaves != null) {
      ls.finishedLeaves.forEach(
          (name, count) -> {
            StepState s = state(name);
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

  private static StepState state(String name) {
    try {
      return StepState.valueOf(name);
    } catch (IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }
}
