package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.ForeachSpec;
import dev.baton.api.IterationFailurePolicy;
import dev.baton.api.StepState;
import dev.baton.api.StepType;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledStep.LoopParamSource;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Scope;
import dev.baton.expr.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The iterations of one loop step occurrence. Only iterations under way have a {@link Frame};
 * finished ones are counts and index ranges, so a loop of 100,000 iterations costs about what its
 * running iterations cost.
 */
final class LoopState {
  static final int MAX_ERRORS = 5;

  final Frame frame;
  final int stepIndex;
  final CompiledStep step;
  final boolean isWhile;
  final StepPath path;
  final int concurrency;
  final IterationFailurePolicy policy;

  /** A foreach's item lists, by loop param, once evaluated; null before. */
  List<String> names;

  List<List<Object>> lists;

  /** Iterations in all: a foreach's product of list lengths; -1 while unknown. */
  long total = -1;

  final TreeMap<Long, Frame> active = new TreeMap<>();
  RangeSet succeeded = new RangeSet();
  RangeSet unsuccessful = new RangeSet();

  /** Finished iterations by end state (Succeeded, Failed, Stopped), by StepState ordinal. */
  final long[] iterations = new long[StepState.values().length];

  /** Leaf steps of finished iterations, by StepState ordinal: they stay in the rollup. */
  final long[] finishedLeaves = new long[StepState.values().length];

  final List<String> errors = new ArrayList<>();
  String firstFailure;

  /** No new iterations start: an iteration failed under the stop policy. */
  boolean stopping;

  /** The loop is over or being aborted: nothing starts, nothing more is counted. */
  boolean closed;

  /** The next index to consider starting; indices below it are started or finished. */
  long cursor;

  /** A while loop's previous iteration's steps by id, as last.* sees them, and as JSON. */
  Map<String, Object> lastScope = Map.of();

  JsonNode lastJson;

  /** Why the items could not be evaluated again on a restore; the loop fails on resume. */
  String restoreError;

  LoopState(Frame frame, int stepIndex) {
    this.frame = frame;
    this.stepIndex = stepIndex;
    this.step = frame.step(stepIndex);
    this.isWhile = step.type() == StepType.WHILE;
    this.path = frame.path(stepIndex);
    ForeachSpec fe = step.definition().foreach;
    this.concurrency = isWhile || fe == null ? 1 : fe.concurrencyOrDefault();
    this.policy =
        isWhile || fe == null ? IterationFailurePolicy.STOP : fe.onIterationFailureOrDefault();
  }

  /**
   * Evaluates a foreach's loop params in {@code scope}: each must give a list, and their product
   * may not pass {@link ForeachSpec#MAX_ITERATIONS}.
   */
  void evaluateItems(Scope scope) {
    List<String> ns = new ArrayList<>();
    List<List<Object>> ls = new ArrayList<>();
    long product = 1;
    List<LoopParamSource> over = step.over() == null ? List.of() : step.over();
    if (over.isEmpty()) throw new ExpressionException("foreach has no loop params");
    for (LoopParamSource p : over) {
      Object items = p.values() != null ? p.values() : p.expr().evaluate(scope);
      if (!(items instanceof List<?> list)) {
        throw new ExpressionException(
            "loop param "
                + p.name()
                + ": '"
                + (p.expr() == null ? "values" : p.expr().source())
                + "' gave "
                + Values.describe(items, 200)
                + ", not a list");
      }
      @SuppressWarnings("unchecked")
      List<Object> items2 = (List<Object>) list;
      ns.add(p.name());
      ls.add(items2);
      product =
          items2.isEmpty()
              ? 0
              : product > ForeachSpec.MAX_ITERATIONS ? product : product * items2.size();
    }
    if (product > ForeachSpec.MAX_ITERATIONS) {
      throw new ExpressionException(
          "the loop params make more than " + ForeachSpec.MAX_ITERATIONS + " iterations");
    }
    names = ns;
    lists = ls;
    total = product;
  }

  /** Iteration {@code k}'s loop values: the cartesian product, the first param varying slowest. */
  Map<String, Object> values(long k) {
    Map<String, Object> v = new LinkedHashMap<>();
    if (lists == null) return v;
    Object[] picked = new Object[lists.size()];
    long rest = k;
    for (int p = lists.size() - 1; p >= 0; p--) {
      List<Object> l = lists.get(p);
      picked[p] = l.get((int) (rest % l.size()));
      rest /= l.size();
    }
    for (int p = 0; p < picked.length; p++) v.put(names.get(p), picked[p]);
    return v;
  }

  boolean isFinished(long k) {
    return succeeded.contains(k) || unsuccessful.contains(k);
  }

  long finishedCount() {
    return succeeded.size() + unsuccessful.size();
  }

  /** The next index not finished and not under way, from the cursor on. */
  long nextToStart() {
    long k = cursor;
    while (true) {
      long next = unsuccessful.nextAbsent(succeeded.nextAbsent(k));
      if (next == k && !active.containsKey(k)) return k;
      k = next == k ? k + 1 : next;
    }
  }

  /** "iteration 3 (day=2024-01-04)", or "iteration 3" in a while loop. */
  String describe(long k) {
    if (isWhile || lists == null) return "iteration " + k;
    StringBuilder b = new StringBuilder("iteration ").append(k).append(" (");
    boolean first = true;
    for (Map.Entry<String, Object> e : values(k).entrySet()) {
      if (!first) b.append(", ");
      first = false;
      String v = Values.render(e.getValue());
      b.append(e.getKey()).append('=').append(v.length() > 60 ? v.substring(0, 57) + "..." : v);
    }
    return b.append(')').toString();
  }
}
