package dev.baton.runs;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Rollup;
import dev.baton.api.RunStrategyType;
import dev.baton.api.RunSummary;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.api.WorkflowStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Workflow's aggregate view of its instances (WorkflowStatus runs, lastRun, lastSuccess,
 * blockedBy), and the slim copies of instances it is computed from.
 */
public final class WorkflowRuns {
  private WorkflowRuns() {}

  /**
   * Fills the aggregate fields of {@code status} from the workflow's instances. {@code lastRun} and
   * {@code lastSuccess} of {@code previous} (the status before, or null) outlive their instances:
   * one that names an instance no longer there stays until a newer run takes its place.
   */
  public static void aggregate(
      WorkflowStatus status,
      WorkflowStatus previous,
      RunStrategyType strategy,
      List<WorkflowInstance> instances) {
    Map<String, Long> runs = new TreeMap<>();
    WorkflowInstance lastRun = null;
    WorkflowInstance lastSuccess = null;
    Comparator<WorkflowInstance> byCreation =
        Comparator.comparing((WorkflowInstance i) -> created(i))
            .thenComparing(i -> i.getMetadata().getName());
    List<RunStrategyRules.Run> views = new ArrayList<>();
    for (WorkflowInstance i : instances) {
      InstancePhase phase = phase(i);
      runs.merge(phase.name(), 1L, Long::sum);
      if (lastRun == null || byCreation.compare(i, lastRun) > 0) lastRun = i;
      if (phase == InstancePhase.Succeeded
          && i.getStatus().endTime != null
          && (lastSuccess == null
              || i.getStatus().endTime.compareTo(lastSuccess.getStatus().endTime) > 0)) {
        lastSuccess = i;
      }
      RunStrategyRules.State state =
          phase.isFinal() ? RunStrategyRules.State.ENDED : RunStrategyRules.State.WAITING;
      views.add(
          new RunStrategyRules.Run(
              i.getMetadata().getName(),
              created(i),
              state,
              phase,
              false,
              i.getSpec() != null && i.getSpec().unblockRequested()));
    }
    status.runs = runs.isEmpty() ? null : runs;
    status.lastRun = lastRun == null ? null : summary(lastRun);
    status.lastSuccess = lastSuccess == null ? null : summary(lastSuccess);
    if (previous != null) {
      Set<String> present = new HashSet<>();
      for (WorkflowInstance i : instances) present.add(i.getMetadata().getName());
      RunSummary run = previous.lastRun;
      if (run != null
          && !present.contains(run.name)
          && (status.lastRun == null || time(run.created).isAfter(time(status.lastRun.created)))) {
        status.lastRun = run;
      }
      RunSummary success = previous.lastSuccess;
      if (success != null
          && !present.contains(success.name)
          && (status.lastSuccess == null
              || time(success.endTime).isAfter(time(status.lastSuccess.endTime)))) {
        status.lastSuccess = success;
      }
    }
    RunStrategyRules.Run blocker =
        strategy == RunStrategyType.StrictSequential ? RunStrategyRules.blocker(views, null) : null;
    status.blockedBy = blocker == null ? null : blocker.name();
  }

  static RunSummary summary(WorkflowInstance i) {
    WorkflowInstanceStatus st = i.getStatus();
    RunSummary s = new RunSummary();
    s.name = i.getMetadata().getName();
    s.created = i.getMetadata().getCreationTimestamp();
    s.phase = phase(i);
    if (st != null) {
      s.run = st.run;
      s.startTime = st.startTime;
      s.endTime = st.endTime;
      s.progress =
          st.rollup != null && st.rollup.progress != null ? st.rollup.progress : st.progress;
    }
    return s;
  }

  private static InstancePhase phase(WorkflowInstance i) {
    return i.getStatus() == null || i.getStatus().phase == null
        ? InstancePhase.Pending
        : i.getStatus().phase;
  }

  /** A time as the status has it; the epoch when absent (or unreadable). */
  private static Instant time(String t) {
    if (t == null) return Instant.EPOCH;
    try {
      return Instant.parse(t);
    } catch (java.time.format.DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  private static Instant created(WorkflowInstance i) {
    String t = i.getMetadata().getCreationTimestamp();
    return t == null ? Instant.EPOCH : Instant.parse(t);
  }

  /**
   * The copy of an instance the workflow controller keeps: only what the aggregate and the unblock
   * bookkeeping read. A run's status can be large (steps, loops, outputs); the instance controller
   * already holds it whole, and a second whole copy per instance would double that.
   */
  static WorkflowInstance slim(WorkflowInstance full) {
    WorkflowInstance s = new WorkflowInstance();
    var m = full.getMetadata();
    s.setMetadata(
        new ObjectMetaBuilder()
            .withName(m.getName())
            .withNamespace(m.getNamespace())
            .withUid(m.getUid())
            .withResourceVersion(m.getResourceVersion())
            .withGeneration(m.getGeneration())
            .withCreationTimestamp(m.getCreationTimestamp())
            .withDeletionTimestamp(m.getDeletionTimestamp())
            // Retention tells a subworkflow child (owned by its parent instance) from a top run.
            .withOwnerReferences(m.getOwnerReferences())
            .build());
    if (full.getSpec() != null) {
      WorkflowInstanceSpec spec = new WorkflowInstanceSpec();
      spec.workflow = full.getSpec().workflow;
      spec.unblock = full.getSpec().unblock;
      spec.stop = full.getSpec().stop;
      spec.restart = full.getSpec().restart; // retention keeps a run whose restart is pending
      s.setSpec(spec);
    }
    WorkflowInstanceStatus st = full.getStatus();
    if (st != null) {
      WorkflowInstanceStatus slim = new WorkflowInstanceStatus();
      slim.phase = st.phase;
      slim.run = st.run;
      slim.startTime = st.startTime;
      slim.endTime = st.endTime;
      slim.progress = st.progress;
      if (st.rollup != null) {
        slim.rollup = new Rollup();
        slim.rollup.progress = st.rollup.progress;
      }
      var unblocked = Conditions.find(st.conditions, "Unblocked");
      slim.conditions = unblocked == null ? new ArrayList<>() : new ArrayList<>(List.of(unblocked));
      slim.steps = null;
      s.setStatus(slim);
    }
    return s;
  }

  /** An informer store that keeps {@link #slim} copies. */
  public static ItemStore<WorkflowInstance> slimStore() {
    return new TransformingItemStore<>(WorkflowRuns::slim);
  }
}
