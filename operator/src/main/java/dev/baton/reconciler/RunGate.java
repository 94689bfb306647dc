package dev.baton.reconciler;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.RunStrategy;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.InstanceKey;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when a waiting run of a Workflow may start, under the Workflow's run strategy ({@link
 * RunQueue} holds the rules), and wakes the waiting runs when a slot frees up.
 *
 * <p>It sees the other instances in the WorkflowInstance controller's informer cache, indexed by
 * workflow, so a decision costs no API call. The cache lags behind this process's own writes, so
 * the gate also remembers what it knows better: the runs it admitted whose status may not say
 * Running yet, and the runs whose final status this process wrote. Decisions for one workflow are
 * serialized by a lock: JOSDK reconciles different instances in parallel, and two of them must not
 * both take the one slot of a Sequential workflow. The lock is in-process, which is enough: under
 * leader election only the leader reconciles.
 */
final class RunGate {
  private static final Logger LOG = LoggerFactory.getLogger(RunGate.class);
  static final String BY_WORKFLOW = "baton-workflow";

  private final KubernetesClient client;
  private final Clock clock;
  private final SimpleInboundEventSource<WorkflowInstance> wakeups = new SimpleInboundEventSource<>("run-gate");
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  /** Runs admitted by this process and not ended: uid to "namespace/workflow". */
  private final Map<String, String> admitted = new ConcurrentHashMap<>();
  /** Runs this process last decided to queue, by "namespace/workflow": the ones to wake. */
  private final Map<String, Set<ResourceID>> queued = new ConcurrentHashMap<>();
  /** Runs whose final status this process wrote, by uid: the cache may not show it yet. */
  private final Map<String, Ended> ended =
      Remembered.upTo(100_000);

  /** A final phase written at a generation: a later generation in the cache may be a restart. */
  private record Ended(long generation, InstancePhase phase) {}

  private volatile IndexerResourceCache<WorkflowInstance> instances;
  private volatile IndexerResourceCache<Workflow> workflows;

  RunGate(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** Called by the instance controller with its primary cache; returns the wake-up source. */
  EventSource<Void, WorkflowInstance> attach(IndexerResourceCache<WorkflowInstance> primary) {
    primary.addIndexer(BY_WORKFLOW, i -> i.getSpec() == null || i.getSpec().workflow == null
        ? List.of()
        : List.of(workflowKey(i.getMetadata().getNamespace(), i.getSpec().workflow)));
    instances = primary;
    return wakeups;
  }

  /** Called by the workflow controller with its primary cache. */
  void attachWorkflows(IndexerResourceCache<Workflow> primary) {
    workflows = primary;
  }

  /** The Workflow as the workflow controller's cache has it, or null when not there (yet). */
  Workflow cachedWorkflow(String namespace, String name) {
    var cache = workflows;
    return cache == null ? null : cache.get(new ResourceID(name, namespace)).orElse(null);
  }

  static String workflowKey(String namespace, String workflow) {
    return namespace + "/" + workflow;
  }

  /**
   * Whether {@code instance}, a run waiting to start, may start now. An Admit reserves its slot
   * until {@link #ended}, {@link #deleted} or {@link #release}; a Drop counts as ended at once.
   */
  RunQueue.Decision decide(WorkflowInstance instance, RunStrategy strategy) {
    String ns = instance.getMetadata().getNamespace();
    String key = workflowKey(ns, instance.getSpec().workflow);
    String uid = instance.getMetadata().getUid();
    synchronized (locks.computeIfAbsent(key, k -> new Object())) {
      if (admitted.containsKey(uid)) return new RunQueue.Decision.Admit(List.of());
      Instant now = clock.instant();
      RunQueue.Run me = view(instance, now);
      List<RunQueue.Run> others = new ArrayList<>();
      for (WorkflowInstance other : siblings(key)) {
        if (!uid.equals(other.getMetadata().getUid())) others.add(view(other, now));
      }
      RunQueue.Decision decision = RunQueue.decide(strategy, me, others);
      Set<ResourceID> waiting = queued.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
      switch (decision) {
        case RunQueue.Decision.Admit a -> {
          admitted.put(uid, key);
          ended.remove(uid);
          waiting.remove(ResourceID.fromResource(instance));
        }
        case RunQueue.Decision.Drop d -> {
          ended.put(uid, new Ended(generation(instance), InstancePhase.Stopped));
          waiting.remove(ResourceID.fromResource(instance));
        }
        case RunQueue.Decision.Queue q -> waiting.add(ResourceID.fromResource(instance));
      }
      if (decision instanceof RunQueue.Decision.Admit && !waiting.isEmpty()) {
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

  /** This process wrote the run's final status {@code phase} (the rejections and drops here). */
  void endedWith(WorkflowInstance instance, InstancePhase phase) {
    String uid = instance.getMetadata().getUid();
    var waiting = queued.get(workflowKey(instance.getMetadata().getNamespace(), instance.getSpec().workflow));
    if (waiting != null) waiting.remove(ResourceID.fromResource(instance));
    ended.put(uid, new Ended(generation(instance), phase));
    admitted.remove(uid);
    wake(instance.getMetadata().getNamespace(), instance.getSpec().workflow);
  }

  /**
   * The engine's final status of a run was written. Its phase is read back once, since a
   * StrictSequential queue must know whether it failed before the cache shows it.
   */
  void ended(InstanceKey key, String uid) {
    String workflowKey = admitted.remove(uid);
    WorkflowInstance fresh;
    try {
      fresh = client.resources(WorkflowInstance.class).inNamespace(key.namespace()).withName(key.name()).get();
    } catch (KubernetesClientException e) {
      LOG.warn("{}: could not read the ended run back ({}); the queue behind it waits for the cache", key, e.getMessage());
      fresh = null;
    }
    if (fresh != null && uid.equals(fresh.getMetadata().getUid())) {
      InstancePhase phase = fresh.getStatus() == null ? null : fresh.getStatus().phase;
      if (phase != null && phase.isFinal()) ended.put(uid, new Ended(generation(fresh), phase));
      wake(key.namespace(), fresh.getSpec().workflow);
    } else if (workflowKey != null) {
      wake(key.namespace(), workflowKey.substring(workflowKey.indexOf('/') + 1));
    }
  }

  /** The instance is gone: its slot, if it held one, is free. */
  void deleted(WorkflowInstance instance) {
    String uid = instance.getMetadata().getUid();
    admitted.remove(uid);
    ended.remove(uid);
    if (instance.getSpec() != null && instance.getSpec().workflow != null) {
      var waiting = queued.get(workflowKey(instance.getMetadata().getNamespace(), instance.getSpec().workflow));
      if (waiting != null) waiting.remove(ResourceID.fromResource(instance));
      wake(instance.getMetadata().getNamespace(), instance.getSpec().workflow);
    }
  }

  /**
   * Reconciles the waiting runs of a workflow soon: a slot freed up, a blocker was unblocked, or
   * the run strategy changed. Each gets a fresh decision (and its Queued message is brought up to
   * date), so this is an event per waiting run, not a poll.
   */
  void wake(String namespace, String workflow) {
    if (workflow == null) return;
    String key = workflowKey(namespace, workflow);
    Set<ResourceID> wake = new HashSet<>(queued.getOrDefault(key, Set.of()));
    // Also the waiting runs another process queued, or that wait for their Workflow. Those never
    // looked at have no status yet; their first reconcile is still to come.
    Instant now = clock.instant();
    for (WorkflowInstance i : siblings(key)) {
      if (i.getStatus() != null && view(i, now).state() == RunQueue.State.WAITING) wake.add(ResourceID.fromResource(i));
    }
    for (ResourceID id : wake) wakeups.propagateEvent(id);
  }

  /**
   * Records on a finished instance that spec.unblock took effect (condition Unblocked=True), and
   * lets the queue behind it go on.
   */
  void markUnblocked(WorkflowInstance instance) {
    String ns = instance.getMetadata().getNamespace();
    String name = instance.getMetadata().getName();
    try {
      client.resources(WorkflowInstance.class).inNamespace(ns).withName(name).editStatus(i -> {
        if (i.getStatus() == null) i.setStatus(new WorkflowInstanceStatus());
        Conditions.set(i.getStatus().conditions, "Unblocked", true, "Unblocked",
            "spec.unblock is set: the StrictSequential queue goes on past this run", i.getMetadata().getGeneration(), clock.instant());
        return i;
      });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
    wake(ns, instance.getSpec().workflow);
  }

  static boolean isUnblockedRecorded(WorkflowInstance instance) {
    Condition c = instance.getStatus() == null ? null : Conditions.find(instance.getStatus().conditions, "Unblocked");
    return c != null && Conditions.TRUE.equals(c.getStatus());
  }

  private List<WorkflowInstance> siblings(String workflowKey) {
    var cache = instances;
    return cache == null ? List.of() : cache.byIndex(BY_WORKFLOW, workflowKey);
  }

  /** Whether a status is a run waiting to start (contract 2): not started, or restarted. */
  static boolean isWaiting(WorkflowInstanceStatus st) {
    return st == null || st.phase == null || st.phase == InstancePhase.Pending || st.phase == InstancePhase.Queued;
  }

  private RunQueue.Run view(WorkflowInstance i, Instant now) {
    WorkflowInstanceStatus st = i.getStatus();
    String uid = i.getMetadata().getUid();
    InstancePhase phase = st == null ? null : st.phase;
    Ended end = ended.get(uid);
    boolean endedHere = end != null && generation(i) <= end.generation();
    RunQueue.State state;
    if (admitted.containsKey(uid)) {
      state = RunQueue.State.ACTIVE;
    } else if (phase != null && phase.isFinal()) {
      state = RunQueue.State.ENDED;
    } else if (endedHere) {
      state = RunQueue.State.ENDED;
      phase = end.phase();
    } else if (isWaiting(st)) {
      state = RunQueue.State.WAITING;
    } else {
      state = RunQueue.State.ACTIVE;
    }
    boolean stop = i.getSpec() != null && i.getSpec().stopRequested();
    boolean unblocked = i.getSpec() != null && i.getSpec().unblockRequested();
    return new RunQueue.Run(i.getMetadata().getName(), order(i, state, now), state, phase, stop, unblocked);
  }

  /**
   * A fresh run queues by its creation time; a restarted one by when it entered the queue (its
   * Queued condition), or now when it has not been queued yet.
   */
  private static Instant order(WorkflowInstance i, RunQueue.State state, Instant now) {
    WorkflowInstanceStatus st = i.getStatus();
    boolean restarted = st != null && st.run != null && st.run > 1 && st.definition != null;
    if (state == RunQueue.State.WAITING && restarted) {
      Condition queued = Conditions.find(st.conditions, "Queued");
      if (queued != null && Conditions.TRUE.equals(queued.getStatus()) && queued.getLastTransitionTime() != null) {
        return Instant.parse(queued.getLastTransitionTime());
      }
      return now;
    }
    String created = i.getMetadata().getCreationTimestamp();
    return created == null ? now : Instant.parse(created);
  }

  private static long generation(WorkflowInstance i) {
    Long g = i.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }
}
