package dev.baton.runs;

import dev.baton.api.Durations;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
import dev.baton.runtime.Children;
import dev.baton.runtime.InstanceObjects;
import dev.baton.runtime.KubernetesRuntime;
import dev.baton.runtime.Observations;
import dev.baton.runtime.Ownership;
import dev.baton.runtime.RunObjects;
import dev.baton.runtime.StuckPods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps one instance's run going, each time the instance or what it owns changes: forgets the actor
 * of a run whose end is written, applies a restart request, starts or resumes the run ({@link
 * RunStarter}) when it has no actor, and tells the actor what its Jobs, Pods and child instances
 * look like now, and whether the user asked to stop or skip.
 */
public final class RunDriver {
  private static final Duration WORKFLOW_NOT_FOUND_RECHECK = Duration.ofSeconds(5);
  private static final Duration RESTART_RECHECK = Duration.ofSeconds(2);
  private static final Duration DELETIONS_RECHECK = Duration.ofMillis(200);
  private static final Duration QUEUED_RECHECK = Duration.ofMinutes(2);
  private static final Duration REAP_RECHECK = Duration.ofMinutes(1);

  /**
   * What the informers hold for one instance, unfiltered: its Jobs and Pods (by instance label,
   * with the names of those that changed since the last reconcile) and its subworkflow children (by
   * parent label). Some may be a deleted namesake's.
   */
  public record Owned(InstanceObjects workloads, List<WorkflowInstance> children) {
    /** Every Job labelled as the instance's: a walk of all of them. */
    public List<Job> jobs() {
      return workloads.jobs();
    }

    /** Every Pod labelled as the instance's: a walk of all of them. */
    public List<Pod> pods() {
      return workloads.pods();
    }
  }

  private final FlowEngine engine;
  private final KubernetesRuntime runtime;
  private final RunStarter starter;
  private final RestartAction restarts;
  private final RunAdmission admission;
  private final EndedRuns ended;
  private final IgnoredObjects ignored;
  private final StuckPods.NoPodReasons noPod;

  /**
   * By instance, what its run's actor has been told of its Jobs and Pods: only what changed is told
   * again ({@link RunObjects}). Forgotten with the actor.
   */
  private final Map<InstanceKey, RunObjects> reported = new ConcurrentHashMap<>();

  RunDriver(
      FlowEngine engine,
      KubernetesRuntime runtime,
      RunStarter starter,
      RestartAction restarts,
      RunAdmission admission,
      EndedRuns ended,
      IgnoredObjects ignored,
      StuckPods.NoPodReasons noPod) {
    this.engine = engine;
    this.runtime = runtime;
    this.starter = starter;
    this.restarts = restarts;
    this.admission = admission;
    this.ended = ended;
    this.ignored = ignored;
    this.noPod = noPod;
  }

  /**
   * Brings the run of {@code instance} (the informer's object, never edited here) up to date with
   * {@code owned}. Returns when to look again although nothing changed, if ever.
   */
  public Optional<Duration> reconcile(WorkflowInstance instance, Owned owned) {
    InstanceKey key =
        new InstanceKey(instance.getMetadata().getNamespace(), instance.getMetadata().getName());
    WorkflowInstanceStatus status = instance.getStatus();
    FlowActor actor = engine.get(key);
    WorkflowInstance earlier = actor == null ? null : runOfAnother(key, instance);
    if (earlier != null) {
      // The actor is the run of an earlier instance of this name, deleted and made again before
      // its delete was handled (JOSDK may fold the two into one reconcile of the new object): that
      // run is gone with its instance, and this one starts anew.
      deleted(earlier);
      actor = null;
    }
    boolean finalInCache = status != null && status.phase != null && status.phase.isFinal();
    if (actor != null && finalInCache && actor.phase().isFinal()) {
      // The run ended and its end is written: its actor has nothing left to do.
      forget(key);
      actor = null;
    }
    if (actor == null) {
      // The instance is the informer's own object (BatonOperator's cloner does not copy it), and
      // starting, resuming or restarting a run edits the status it is given: work on a copy.
      instance = Json.copy(instance);
      if (finalInCache) {
        WorkflowInstance restarted = restarts.restartIfAsked(instance);
        if (restarted == null) {
          // The run has ended: none of its Jobs should still run. Look again while some do.
          List<Job> jobs = Ownership.owned(instance.getMetadata().getUid(), owned.jobs());
          List<Job> running = Observations.activeJobs(jobs, Ownership.podsOf(jobs, owned.pods()));
          return runtime.reap(key, running) > 0 ? Optional.of(REAP_RECHECK) : Optional.empty();
        }
        // A new run of the same object: it is no longer finished.
        ended.forget(instance.getMetadata().getUid());
        instance = restarted;
      } else if (ended.phase(instance) != null) {
        // Its end is written, and the cache does not show it yet: resuming would run it again.
        return restarts.waiting(instance) ? Optional.of(RESTART_RECHECK) : Optional.empty();
      }
    }
    boolean restartWaits = actor != null && restarts.waiting(instance);
    String uid = instance.getMetadata().getUid();
    List<WorkflowInstance> children = Children.ownedBy(instance, owned.children());
    if (actor == null) {
      // Starting or resuming: once per actor, so the Jobs and Pods are read whole.
      List<Job> jobs = Ownership.owned(uid, owned.jobs());
      List<Pod> pods = Ownership.podsOf(jobs, owned.pods());
      ignored.report(instance, owned);
      if (waitsForDeletions(instance, jobs, pods, children)) return Optional.of(DELETIONS_RECHECK);
      switch (starter.start(
          instance, Children.newestAttempts(Observations.newestAttempts(jobs), children))) {
        case RunStarter.Outcome.Started started -> actor = started.actor();
        case RunStarter.Outcome.Waiting waiting -> {
          return Optional.of(WORKFLOW_NOT_FOUND_RECHECK);
        }
        case RunStarter.Outcome.Queued queued -> {
          // Admission wakes it when its turn may have come; the recheck is only a safety net.
          return Optional.of(QUEUED_RECHECK);
        }
        case RunStarter.Outcome.Rejected rejected -> {
          return Optional.empty();
        }
      }
    } else {
      runtime.track(actor, instance);
    }
    Instant now = engine.clock().instant();
    // Reconciles of one instance do not overlap: its RunObjects is used by one thread at a time.
    FlowActor told = actor;
    RunObjects memory =
        reported.compute(
            key, (k, old) -> old != null && old.owner() == told ? old : new RunObjects(told));
    // Only what changed since the last pass is read again and told (RunObjects).
    RunObjects.Pass pass = memory.observe(uid, owned.workloads(), now);
    ignored.report(instance, pass.unowned(), owned.children());
    List<FlowEvent> events =
        Children.withChildren(Observations.events(pass, now, noPod), children, now);
    // One message for the whole observation: the actor handles it in one turn.
    actor.tellAll(events);
    if (instance.getSpec().stopRequested()) {
      actor.tell(new FlowEvent.StopRequested(engine.clock().instant()));
    }
    List<String> skip = instance.getSpec().skipOrEmpty();
    if (!skip.isEmpty()) {
      // Level based, like stop: the engine skips what is still unfinished and ignores the rest.
      Set<String> ids = new HashSet<>(skip);
      ids.remove(null);
      actor.tell(new FlowEvent.SkipRequested(ids, engine.clock().instant()));
    }
    // A restart asked for while the run goes on is applied once the run's end is written. That
    // write changes only the status, which does not trigger a reconcile, so look again soon.
    if (restartWaits) return Optional.of(RESTART_RECHECK);
    // A Job that has made no pod yet changes nothing the informers see: look again when it
    // would count as stuck; and when a finished Job stops waiting for a pod that has not come.
    return Durations.earliest(
        StuckPods.noPodRecheck(pass, now), Observations.podWaitRecheck(pass, now));
  }

  /**
   * Whether a restarted run waiting to start must wait for the deletion of the earlier run's
   * objects of the iterations it runs again ({@link RestartAction}) to reach the informers: until
   * then they would be taken for the new run's attempts, which have the same paths and numbers.
   */
  private static boolean waitsForDeletions(
      WorkflowInstance instance, List<Job> jobs, List<Pod> pods, List<WorkflowInstance> children) {
    WorkflowInstanceStatus st = instance.getStatus();
    if (st == null || st.definition == null || st.run == null || !RunAdmission.isWaiting(st))
      return false;
    return jobs.stream().anyMatch(j -> RestartAction.rerun(j, st))
        || pods.stream().anyMatch(p -> RestartAction.rerun(p, st))
        || children.stream().anyMatch(c -> RestartAction.rerun(c, st));
  }

  /**
   * The instance is gone: its actor and its slot under the run strategy are freed. An actor under
   * its name that runs a later instance of that name stays.
   */
  public void deleted(WorkflowInstance instance) {
    InstanceKey key =
        new InstanceKey(instance.getMetadata().getNamespace(), instance.getMetadata().getName());
    if (runOfAnother(key, instance) == null) forget(key);
    admission.deleted(instance);
  }

  /**
   * The instance whose run is tracked under {@code key} when it is another object than {@code
   * instance} of the same name (their uids, both known, differ); else null.
   */
  private WorkflowInstance runOfAnother(InstanceKey key, WorkflowInstance instance) {
    WorkflowInstance ran = runtime.owner(key);
    String ranUid = ran == null ? null : ran.getMetadata().getUid();
    String uid = instance.getMetadata().getUid();
    return ranUid != null && uid != null && !ranUid.equals(uid) ? ran : null;
  }

  /**
   * Called once the final status of a run is written ({@code written}): its actor is no longer
   * needed.
   */
  public void finished(WorkflowInstance written) {
    InstanceKey key =
        new InstanceKey(written.getMetadata().getNamespace(), written.getMetadata().getName());
    InstancePhase phase = written.getStatus().phase;
    ended.record(written, phase);
    // A reconcile may have seen the end first, restarted the instance and given the new run its
    // actor: that one stays.
    FlowActor actor = engine.get(key);
    if (actor == null || actor.phase().isFinal()) forget(key);
    admission.ended(written);
  }

  private void forget(InstanceKey key) {
    reported.remove(key);
    engine.remove(key);
    runtime.forget(key);
  }
}
