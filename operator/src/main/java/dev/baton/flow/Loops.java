package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.IterationFailurePolicy;
import dev.baton.api.StepState;
import dev.baton.dag.CompiledStep;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Values;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The iterations of loop steps: which start, when, and what they add up to. How a loop step ends is
 * decided here as an {@link End}, and reported through {@link StepOutcomes}; what the end of an
 * iteration's frame is, is the run's rules' to say.
 */
final class Loops {
  /** How a loop step ends. */
  sealed interface End {}

  /**
   * @param message replaces the step's message when not null
   */
  record Succeeded(Map<String, JsonNode> outputs, String message) implements End {}

  /** A fatal failure; {@code outputs} are the step's, or null to leave them. */
  record Failed(Map<String, JsonNode> outputs, String why) implements End {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Agenda agenda;
  private final StepRenderer renderer;
  private final StatusProjection status;
  private final StepOutcomes outcomes;

  Loops(Agenda agenda, StepRenderer renderer, StatusProjection status, StepOutcomes outcomes) {
    this.agenda = agenda;
    this.renderer = renderer;
    this.status = status;
    this.outcomes = outcomes;
  }

  /** A ready loop step: it runs, and {@link #advance} starts its iterations; or it ends at once. */
  void start(Frame f, int i, Instant now) {
    End end = begin(f, i, now);
    if (end != null) {
      ended(f, i, end, now);
      return;
    }
    LoopState loop = f.loops[i];
    outcomes.moved(f, i, StepState.Running, loop.isWhile ? null : loop.total + " iterations");
    agenda.armStepTimeout(f, i);
    agenda.advance(loop);
  }

  /** Starts what may start of a loop, or ends its step when nothing is left. */
  void advance(LoopState loop, Instant now) {
    End end = advance(loop);
    if (end != null) ended(loop.frame, loop.stepIndex, end, now);
  }

  private void ended(Frame f, int i, End end, Instant now) {
    switch (end) {
      case Succeeded s -> {
        outcomes.succeeded(f, i, s.outputs(), now);
        if (s.message() != null) f.message[i] = s.message();
      }
      case Failed x -> {
        if (x.outputs() != null) f.outputs[i] = x.outputs();
        outcomes.failed(f, i, FailureKind.FATAL, x.why(), now);
      }
    }
  }

  /** The step's loop, and a foreach's items; null when the loop is to run. */
  private End begin(Frame f, int i, Instant now) {
    LoopState loop = f.loops[i] != null ? f.loops[i] : new LoopState(f, i);
    f.loops[i] = loop;
    f.attempt[i] = 1;
    f.startTime[i] = now;
    f.endTime[i] = null;
    if (loop.isWhile) return null;
    try {
      loop.evaluateItems(renderer.frameScope(f));
    } catch (ExpressionException e) {
      return new Failed(null, "foreach: " + e.getMessage());
    }
    if (loop.total > 0) return null;
    loop.closed = true;
    return new Succeeded(outputs(loop), "no items: 0 iterations");
  }

  private End advance(LoopState loop) {
    Frame f = loop.frame;
    if (f.ended || loop.closed || f.state[loop.stepIndex] != StepState.Running) return null;
    if (loop.isWhile) return advanceWhile(loop);
    while (!loop.stopping && loop.active.size() < loop.concurrency) {
      long k = loop.nextToStart();
      if (k >= loop.total) break;
      loop.cursor = k + 1;
      startIteration(loop, k);
    }
    if (loop.active.isEmpty() && (loop.stopping || loop.nextToStart() >= loop.total))
      return end(loop);
    return null;
  }

  private End advanceWhile(LoopState loop) {
    if (!loop.active.isEmpty()) return null;
    if (loop.finishedCount() > loop.succeeded.size()) return end(loop);
    Frame f = loop.frame;
    long k = loop.finishedCount();
    Map<String, Object> loopScope = new HashMap<>(f.loopScope);
    loopScope.put("index", k);
    boolean again;
    try {
      again = loop.step.whileCondition().test(renderer.scope(f, loopScope, loop.lastScope));
    } catch (ExpressionException e) {
      loop.closed = true;
      return new Failed(outputs(loop), "while " + e.getMessage());
    }
    if (!again) {
      loop.total = k;
      return end(loop);
    }
    if (k >= loop.step.definition().whileLoop.maxIterationsOrDefault()) {
      loop.closed = true;
      loop.total = k;
      return new Failed(outputs(loop), "condition still true after " + k + " iterations");
    }
    loop.cursor = k + 1;
    startIteration(loop, k);
    return null;
  }

  private void startIteration(LoopState loop, long k) {
    Frame iteration = newIteration(loop, k);
    for (CompiledStep s : iteration.wf.steps()) {
      if (s.dependencies().length == 0) agenda.ready(iteration, s.index());
    }
    agenda.check(iteration);
  }

  /** The frame of iteration {@code k}, registered as under way; nothing in it started yet. */
  Frame newIteration(LoopState loop, long k) {
    Frame f = loop.frame;
    Map<String, Object> values = loop.values(k);
    Map<String, Object> loopScope = new HashMap<>(f.loopScope);
    loopScope.putAll(values);
    loopScope.put("index", k);
    Map<String, JsonNode> valuesJson = null;
    if (!values.isEmpty()) {
      valuesJson = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : values.entrySet())
        valuesJson.put(e.getKey(), Values.toJson(e.getValue()));
    }
    Frame iteration =
        new Frame(
            loop.step.body(),
            loop,
            k,
            StepPath.iterationPrefix(loop.path, k),
            loopScope,
            loop.isWhile ? loop.lastScope : Map.of(),
            valuesJson);
    loop.active.put(k, iteration);
    f.markChanged(loop.stepIndex);
    agenda.statusChanged();
    return iteration;
  }

  /** An iteration's frame ended: count it, keep only its index, and let the loop go on. */
  void endIteration(LoopState loop, Frame iteration, StepState outcome) {
    iteration.ended = true;
    loop.active.remove(iteration.index);
    long[] leaves = status.leafCounts(iteration);
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
    loop.frame.markChanged(loop.stepIndex);
    agenda.advance(loop);
    agenda.statusChanged();
  }

  /** Every iteration has ended (or none may start): the loop step's outcome. */
  private static End end(LoopState loop) {
    loop.closed = true;
    if (loop.isWhile) loop.total = loop.finishedCount();
    long failed = loop.unsuccessful.size();
    if (failed == 0) return new Succeeded(outputs(loop), null);
    String why =
        loop.policy == IterationFailurePolicy.CONTINUE
            ? failed
                + " of "
                + loop.finishedCount()
                + " iterations failed; the first: "
                + loop.firstFailure
            : loop.firstFailure;
    return new Failed(outputs(loop), why == null ? failed + " iterations did not succeed" : why);
  }

  /** A loop step's outputs: iterations, succeeded and failed. */
  static Map<String, JsonNode> outputs(LoopState loop) {
    Map<String, JsonNode> o = new LinkedHashMap<>();
    o.put("iterations", NODES.numberNode(loop.finishedCount()));
    o.put("succeeded", NODES.numberNode(loop.succeeded.size()));
    o.put("failed", NODES.numberNode(loop.iterations[StepState.Failed.ordinal()]));
    return o;
  }
}
