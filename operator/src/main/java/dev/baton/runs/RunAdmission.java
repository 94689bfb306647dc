package dev.baton.runs;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.RunStrategy;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.runtime.StatusWriter;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides when a waiting run of a Workflow may start, under the Workflow's run strategy ({@link
 * RunStrategyRules} holds the rules), and wakes the waiting runs when a slot frees up.
 *
 * <p>It sees the other instances in the WorkflowInstance controller's informer cache, indexed by
 * workflow, so a decision costs no API call. The cache lags behind this process's own writes, so it
 * also remembers what it knows better: the runs it admitted whose status may not say Running yet,
 * and the runs whose final status this process wrote. Decisions for one workflow are serialized by
 * a lock: JOSDK reconciles different instances in parallel, and two of them must not both take the
 * one slot of a Sequential workflow. The lock is in-process, which is enough: under leader election
 * only the leader reconciles.
 */
public final class RunAdmission {
  /** An informer index of instances by "namespace/workflow" ({@link #workflowIndex}). */
  public static final String BY_WORKFLOW = "baton-workflow";

  private final StatusWriter status;
  private final Clock clock;
  private final SimpleInboundEventSource<WorkflowInstance> wakeups =
      new SimpleInboundEventSource<>("run-admission");
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** Runs admitted by this process and not ended: uid to "namespace/workflow". */
  private final Map<String, String> admitted = new ConcurrentHashMap<>();

  /** Runs this process last decided to queue, by "namespace/workflow": the ones to wake. */
  private final Map<String, Set<ResourceID>> queued = new ConcurrentHashMap<>();

  /** Runs whose final status this process wrote: the cache may not show it yet. */
  private final EndedRuns ended;

  private volatile IndexerResourceCache<WorkflowInstance> instances;
  private volatile IndexerResourceCache<Workflow> workflows;

  RunAdmission(StatusWriter status, EndedRuns ended, Clock clock) {
    this.status = status;
    this.ended = ended;
    this.clock = clock;
  }

  /** Called by the instance controller with its primary cache; returns the wake-up source. */
  public EventSource<Void, WorkflowInstance> attach(
      IndexerResourceCache<WorkflowInstance> primary) {
    primary.addIndexer(BY_WORKFLOW, RunAdmission::workflowIndex);
    instances = primary;
    return wakeups;
  }

  /** Called by the workflow controller with its primary cache. */
  public void attachWorkflows(IndexerResourceCache<Workflow> primary) {
    workflows = primary;
  }

  /** The Workflow as the workflow controller's cache has it, or null when not there (yet). */
  Workflow cachedWorkflow(String namespace, String name) {
    var cache = workflows;
    return cache == null ? null : cache.get(new ResourceID(name, namespace)).orElse(null);
  }

  /** The instance as the instance controller's cache has it, or null when not there (yet). */
  WorkflowInstance cachedInstance(String namespace, String name) {
    var cache = instances;
    return cache == null ? null : cache.get(new ResourceID(name, namespace)).orElse(null);
  }

  public static String workflowKey(String namespace, String workflow) {
    return namespace + "/" + workflow;
  }

  /** The {@link #BY_WORKFLOW} index of an instance: its workflow's key, if it names one. */
  public static List<String> workflowIndex(WorkflowInstance i) {
    return i.getSpec() == null || i.getSpec().workflow == null
        ? List.of()
        : List.of(workflowKey(i.getMetadata().getNamespace(), i.getSpec().workflow));
  }

  /**
   * Whether {@code instance}, a run waiting to start, may start now. An Admit reserves its slot
   * until {@link #ended}, {@link #deleted} or {@link #release}; a Drop counts as ended at once.
   */
  RunStrategyRules.Decision decide(WorkflowInstance instance, RunStrategy strategy) {
    String ns = instance.getMetadata().getNamespace();
    String key = workflowKey(ns, instance.getSpec().workflow);
    String uid = instance.getMetadata().getUid();
    synchronized (locks.computeIfAbsent(key, k -> new Object())) {
      if (admitted.containsKey(uid)) return new RunStrategyRules.Decision.Admit(List.of());
      Instant now = clock.instant();
      RunStrategyRules.Run me = view(instance, now);
      List<RunStrategyRules.Run> others = new ArrayList<>();
      for (WorkflowInstance other : siblings(key)) {
        if (!uid.equals(other.getMetadata().getUid())) others.add(view(other, now));
      }
      RunStrategyRules.Decision decision = RunStrategyRules.decide(strategy, me, others);
      Set<ResourceID> waiting = queued.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
      switch (decision) {
        case RunStrategyRules.Decision.Admit a -> {
          admitted.put(uid, key);
          ended.forget(uid);
          waiting.remove(ResourceID.fromResource(instance));
        }
        case RunStrategyRules.Decision.Drop d -> {
          ended.record(instance, InstancePhase.Stopped);
          waiting.remove(ResourceID.fromResource(instance));
        }
        case RunStrategyRules.Decision.Queue q -> waiting.add(ResourceID.fromResource(instance));
      }
      if (decision instanceof RunStrategyRules.Decision.Admit && !waiting.isEmpty()) {
        // The runs still queued are one fewer ahead now: they look again, to say so.
        wake(ns, instance.getSpec().workflow);
      }
      return decision;
    }
  }

  /** The run will not start after all (rejected, or gone): its slot is free. */
  void release(WorkflowInstance instance) {
    admitted.remove(instance.getMetadata().getUid());
    wake(instance.getMetadata().getNamespace(), instance.getSpec().workflow);
  }

  /**
   * This process wrote the run's final status {@code phase} (a rejection, a drop), or did not write
   * the drop it decided after all ({@code phase} null): the run waits again.
   */
  void endedWith(WorkflowInstance instance, InstancePhase phase) {
    String uid = instance.getMetadata().getUid();
    var waiting =
        queued.get(workflowKey(instance.getMetadata().getNamespace(), instance.getSpec().workflow));
    if (waiting != null) waiting.remove(ResourceID.fromResource(instance));
    if (phase == null) {
      ended.forget(uid);
    } else {
      ended.record(instance, phase);
    }
    admitted.remove(uid);
    wake(instance.getMetadata().getNamespace(), instance.getSpec().workflow);
  }

  /**
   * The engine's final status of a run was written ({@code written}): the runs behind it look
   * again.
   */
  void ended(WorkflowInstance written) {
    admitted.remove(written.getMetadata().getUid());
    wake(written.getMetadata().getNamespace(), written.getSpec().workflow);
  }

  /** The instance is gone: its slot, if it held one, is free. */
  void deleted(WorkflowInstance instance) {
    String uid = instance.getMetadata().getUid();
    admitted.remove(uid);
    ended.forget(uid);
    if (instance.getSpec() != null && instance.getSpec().workflow != null) {
      var waiting =
          queued.get(
              workflowKey(instance.getMetadata().getNamespace(), instance.getSpec().workflow));
      if (waiting != null) waiting.remove(ResourceID.fromResource(instance));
      wake(instance.getMetadata().getNamespace(), instance.getSpec().workflow);
    }
  }

  /**
   * Reconciles the waiting runs of a workflow soon: a slot freed up, a blocker was unblocked, or
   * the run strategy changed. Each gets a fresh decision (and its Queued message is brought up to
   * date), so this is an event per waiting run, not a poll.
   */
  public void wake(String namespace, String workflow) {
    if (workflow == null) return;
    String key = workflowKey(namespace, workflow);
    Set<ResourceID> wake = new HashSet<>(queued.getOrDefault(key, Set.of()));
    // Also the waiting runs another process queued, or that wait for their Workflow. Those never
    // looked at have no status yet; their first reconcile is still to come.
    Instant now = clock.instant();
    for (WorkflowInstance i : siblings(key)) {
      if (i.getStatus() != null && view(i, now).state() == RunStrategyRules.State.WAITING)
        wake.add(ResourceID.fromResource(i));
    }
    for (ResourceID id : wake) wakeups.propagateEvent(id);
  }

  /**
   * Records on each of a workflow's finished, failed runs whose spec.unblock is set that it took
   * effect (condition Unblocked=True), once, and lets the queue behind it go on.
   */
  public void recordUnblocks(List<WorkflowInstance> runs) {
    for (WorkflowInstance i : runs) {
      var st = i.getStatus();
      boolean failed =
          st != null
              && st.phase != null
              && st.phase.isFinal()
              && st.phase != InstancePhase.Succeeded;
      if (failed && i.getSpec().unblockRequested() && !isUnblockedRecorded(i)) markUnblocked(i);
    }
  }

  private void markUnblocked(WorkflowInstance instance) {
    status.edit(
        instance,
        i -> {
          if (i.getStatus() == null) i.setStatus(new WorkflowInstanceStatus());
          Conditions.set(
              i.getStatus().conditions,
              "Unblocked",
              true,
              "Unblocked",
              "spec.unblock is set: the StrictSequential queue goes on past this run",
              i.getMetadata().getGeneration(),
              clock.instant());
        });
    wake(instance.getMetadata().getNamespace(), instance.getSpec().workflow);
  }

  public static boolean isUnblockedRecorded(WorkflowInstance instance) {
    Condition c =
        instance.getStatus() == null
            ? null
            : Conditions.find(instance.getStatus().conditions, "Unblocked");
    return c != null && Conditions.TRUE.equals(c.getStatus());
  }

  private List<WorkflowInstance> siblings(String workflowKey) {
    var cache = instances;
    return cache == null ? List.of() : cache.byIndex(BY_WORKFLOW, workflowKey);
  }

  /** Whether a status is a run waiting to start: not started, or restarted. */
  static boolean isWaiting(WorkflowInstanceStatus st) {
    return st == null
        || st.phase == null
        || st.phase == InstancePhase.Pending
        || st.phase == InstancePhase.Queued;
  }

  private RunStrategyRules.Run view(WorkflowInstance i, Instant now) {
    WorkflowInstanceStatus st = i.getStatus();
    String uid = i.getMetadata().getUid();
    InstancePhase phase = st == null ? null : st.phase;
    InstancePhase endedHere = ended.phase(i);
    RunStrategyRules.State state;
    if (admitted.containsKey(uid)) {
      state = RunStrategyRules.State.ACTIVE;
    } else if (phase != null && phase.isFinal()) {
      state = RunStrategyRules.State.ENDED;
    } else if (endedHere != null) {
      state = RunStrategyRules.State.ENDED;
      phase = endedHere;
    } else if (isWaiting(st)) {
      state = RunStrategyRules.State.WAITING;
    } else {
      state = RunStrategyRules.State.ACTIVE;
    }
    boolean stop = i.getSpec() != null && i.getSpec().stopRequested();
    boolean unblocked = i.getSpec() != null && i.getSpec().unblockRequested();
    return new RunStrategyRules.Run(
        i.getMetadata().getName(), order(i, state, now), state, phase, stop, unblocked);
  }

  /**
   * A fresh run queues by its creation time; a restarted one by when it entered the queue (its
   * Queued condition), or now when it has not been queued yet.
   */
  private static Instant order(WorkflowInstance i, RunStrategyRules.State state, Instant now) {
    WorkflowInstanceStatus st = i.getStatus();
    boolean restarted = st != null && st.run != null && st.run > 1 && st.definition != null;
    if (state == RunStrategyRules.State.WAITING && restarted) {
      Condition queued = Conditions.find(st.conditions, Conditions.QUEUED);
      if (queued != null
          && Conditions.TRUE.equals(queued.getStatus())
          && queued.getLastTransitionTime() != null) {
        return Instant.parse(queued.getLastTransitionTime());
      }
      return now;
    }
    String created = i.getMetadata().getCreationTimestamp();
    return created == null ? now : Instant.parse(created);
  }
}
