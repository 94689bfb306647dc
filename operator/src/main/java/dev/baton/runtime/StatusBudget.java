package dev.baton.runtime;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.LoopStatus;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstanceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps an instance's status under a size budget (1 MiB by default, {@code BATON_STATUS_BUDGET} in
 * bytes), well under etcd's 1.5 MiB limit on an object. The engine's projection already caps
 * messages and leaves out outputs nobody reads; when the status is still over, detail is dropped in
 * this order, each step only if the one before was not enough:
 *
 * <ol>
 *   <li>run history beyond the newest {@value #HISTORY_KEPT} records;
 *   <li>the detail of a top-level loop's iterations under way beyond the first {@value
 *       #ITERATIONS_KEPT} of each (their counts stay; {@code loop.omitted} says how many);
 *   <li>all run history, and all such iteration detail.
 * </ol>
 *
 * A status over the budget after all that is not written: the run fails ({@link #tooLarge}).
 */
public final class StatusBudget {
  public static final long DEFAULT_BYTES = 1024 * 1024;
  static final int HISTORY_KEPT = 5;
  static final int ITERATIONS_KEPT = 20;

  /** The reason of the Completed condition of a run failed for its status's size. */
  public static final String REASON = "StatusTooLarge";

  private final long bytes;

  public StatusBudget(long bytes) {
    this.bytes = bytes;
  }

  /** From BATON_STATUS_BUDGET, in bytes, else {@link #DEFAULT_BYTES}. */
  public static StatusBudget fromEnv() {
    String v = System.getenv("BATON_STATUS_BUDGET");
    return new StatusBudget(v == null || v.isBlank() ? DEFAULT_BYTES : Long.parseLong(v.strip()));
  }

  public long bytes() {
    return bytes;
  }

  /** What fits: the status itself, or a trimmed copy's JSON; null when nothing does. */
  public record Fitted(WorkflowInstanceStatus status, String json, long size) {}

  public static long size(String json) {
    return json.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * {@code status} as JSON within the budget, trimmed as the class says if need be (on a copy); a
   * Fitted with a null status, carrying the smallest size reached, when even that is over.
   */
  public Fitted fit(WorkflowInstanceStatus status, String json) {
    long size = size(json);
    if (size <= bytes) return new Fitted(status, json, size);
    WorkflowInstanceStatus copy = Json.copy(status);
    for (int round = 0; round < 2; round++) {
      int history = round == 0 ? HISTORY_KEPT : 0;
      int iterations = round == 0 ? ITERATIONS_KEPT : 0;
      if (copy.history != null && copy.history.size() > history) {
        copy.history =
            history == 0
                ? null
                : new ArrayList<>(
                    copy.history.subList(copy.history.size() - history, copy.history.size()));
        String j = Json.write(copy);
        if ((size = size(j)) <= bytes) return new Fitted(copy, j, size);
      }
      for (Map.Entry<String, StepStatus> e : copy.steps.entrySet())
        trimLoop(e.getValue(), iterations);
      String j = Json.write(copy);
      if ((size = size(j)) <= bytes) return new Fitted(copy, j, size);
    }
    return new Fitted(null, null, size);
  }

  private static void trimLoop(StepStatus step, int kept) {
    LoopStatus loop = step == null ? null : step.loop;
    if (loop == null || loop.active == null || loop.active.size() <= kept) return;
    int dropped = loop.active.size() - kept;
    var trimmed = new LinkedHashMap<String, dev.baton.api.IterationStatus>();
    loop.active.entrySet().stream().limit(kept).forEach(e -> trimmed.put(e.getKey(), e.getValue()));
    loop.active = trimmed.isEmpty() ? null : trimmed;
    loop.omitted = (loop.omitted == null ? 0 : loop.omitted) + dropped;
  }

  /**
   * The small status written instead of one that cannot be: Failed, saying why, with the run's
   * identity (definition, params, run number) and the steps' states but none of their detail.
   */
  public static WorkflowInstanceStatus tooLarge(
      WorkflowInstanceStatus status, String why, Instant now) {
    WorkflowInstanceStatus st = new WorkflowInstanceStatus();
    st.phase = InstancePhase.Failed;
    st.startTime = status.startTime;
    st.endTime = now.toString();
    st.message = why;
    st.definitionHash = status.definitionHash;
    st.definition = status.definition;
    st.params = status.params;
    st.run = status.run;
    st.progress = status.progress;
    st.rollup = status.rollup;
    List<Condition> conditions = new ArrayList<>();
    if (status.conditions != null) {
      for (Condition c : status.conditions)
        if (!Conditions.COMPLETED.equals(c.getType())) conditions.add(c);
    }
    Conditions.set(conditions, Conditions.COMPLETED, true, REASON, why, null, now);
    st.conditions = conditions;
    st.steps = new LinkedHashMap<>();
    if (status.steps != null) {
      status.steps.forEach((id, s) -> {
        StepStatus small = new StepStatus();
        small.state = s.state;
        small.attempt = s.attempt;
        st.steps.put(id, small);
      });
    }
    return st;
  }
}
