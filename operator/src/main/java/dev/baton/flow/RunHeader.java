package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.RunRecord;
import dev.baton.api.WorkflowInstanceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The run's own part of the status, around its steps: phase, times, the Completed condition, and
 * what is echoed as is (the pinned definition and params, the run number and history a restart
 * wrote). {@link InstanceFlow} decides when the phase changes.
 */
final class RunHeader {
  private final String definitionHash;
  private final JsonNode definition;
  private final Map<String, JsonNode> params;
  private InstancePhase phase = InstancePhase.Pending;
  private Instant startedAt;
  private Instant endedAt;
  private String message;
  private final List<Condition> conditions = new ArrayList<>();
  private Integer run;
  private List<RunRecord> history;

  RunHeader(String definitionHash, JsonNode definition, Map<String, JsonNode> params) {
    this.definitionHash = definitionHash;
    this.definition = definition;
    this.params = Map.copyOf(params);
  }

  InstancePhase phase() {
    return phase;
  }

  Instant startedAt() {
    return startedAt;
  }

  /** Created, or restarted and waiting to start again. */
  boolean waitingToStart() {
    return phase == InstancePhase.Pending || phase == InstancePhase.Queued;
  }

  void start(Instant now) {
    phase = InstancePhase.Running;
    startedAt = now;
    endedAt = null;
    message = null;
    Conditions.set(
        conditions, Conditions.COMPLETED, false, "Running", "the run is in progress", null, now);
  }

  void finish(InstancePhase endPhase, String why, Instant now) {
    phase = endPhase;
    endedAt = now;
    message = why;
    Conditions.set(conditions, Conditions.COMPLETED, true, endPhase.name(), why, null, now);
  }

  /** The run's number: 1 for a first run, one more for each restart. */
  int run() {
    return run == null ? 1 : run;
  }

  /** A new status with the run's fields filled in; its steps are the caller's. */
  WorkflowInstanceStatus toStatus() {
    WorkflowInstanceStatus st = new WorkflowInstanceStatus();
    st.phase = phase;
    st.startTime = StatusProjection.str(startedAt);
    st.endTime = StatusProjection.str(endedAt);
    st.message =
        message == null
            ? null
            : dev.baton.util.Text.abbreviate(message, StatusProjection.MAX_MESSAGE);
    st.definitionHash = definitionHash;
    st.definition = definition;
    st.params = params;
    st.run = run;
    st.history = history;
    // Copies: the writer fills in observedGeneration on its own thread.
    st.conditions = new ArrayList<>(conditions.size());
    for (Condition c : conditions) st.conditions.add(new ConditionBuilder(c).build());
    return st;
  }

  /**
   * The run's fields from a written status; a Running run with no start time started at the epoch.
   */
  void restore(WorkflowInstanceStatus status) {
    if (status.phase != null) phase = status.phase;
    startedAt = Recovery.parse(status.startTime);
    endedAt = Recovery.parse(status.endTime);
    message = status.message;
    run = status.run;
    history = status.history == null ? null : List.copyOf(status.history);
    if (status.conditions != null) conditions.addAll(status.conditions);
    if (phase == InstancePhase.Running && startedAt == null) {
      startedAt = Instant.EPOCH;
    }
  }
}
