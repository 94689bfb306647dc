package dev.baton.reconciler;

import dev.baton.api.Json;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
import dev.baton.runtime.Children;
import dev.baton.runtime.Labels;
import dev.baton.runtime.KubernetesRuntime;
import dev.baton.runtime.Observations;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps each run's actor fed. Called on every change to an instance, its Jobs, their Pods or its
 * subworkflow children (informers, never polling), and on deletion too, so that memory is freed
 * without a finalizer that would block deleting instances while the operator is down.
 */
@ControllerConfiguration(name = "workflowinstance", triggerReconcilerOnAllEvents = true)
public class WorkflowInstanceReconciler implements Reconciler<WorkflowInstance> {
  private static final Duration WORKFLOW_NOT_FOUND_RECHECK = Duration.ofSeconds(5);
  private static final Duration RESTART_RECHECK = Duration.ofSeconds(2);
  private static final Duration DELETIONS_RECHECK = Duration.ofMillis(200);
  private static final Duration QUEUED_RECHECK = Duration.ofMinutes(2);

  private final FlowEngine engine;
  private final KubernetesRuntime runtime;

  /**
   * Runs whose final status this process wrote, by uid. The informer cache can lag behind that
   * write; without this, an event arriving meanwhile would resume the run from the stale status.
   */
  private final Map<String, Boolean> finishedUids =
      Remembered.upTo(100_000);

  private final RunStarter starter;
  private final RestartAction restarts;

  WorkflowInstanceReconciler(FlowEngine engine, KubernetesRuntime runtime, RunStarter starter, RestartAction restarts) {
    this.engine = engine;
    this.runtime = runtime;
    this.starter = starter;
    this.restarts = restarts;
  }

  /** An informer index of Jobs and Pods by "namespace/instance". */
  private static final String BY_INSTANCE = "baton-instance";

  private InformerEventSource<Job, WorkflowInstance> jobs;
  private InformerEventSource<Pod, WorkflowInstance> pods;

  /** An informer index of child instances by "namespace/parent". */
  private static final String BY_PARENT = "baton-parent";

  private InformerEventSource<WorkflowInstance, WorkflowInstance> children;

  @Override
  public List<EventSource<?, WorkflowInstance>> prepareEventSources(EventSourceContext<WorkflowInstance> context) {
    jobs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, WorkflowInstance.class)
                .withName("jobs")
                .withLabelSelector(Labels.SELECTOR)
                .withOnUpdateFilter(Observations::jobChangeMatters)
                .withSecondaryToPrimaryMapper(byInstanceLabel())
                .build(),
            context);
    pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, WorkflowInstance.class)
                .withName("pods")
                .withLabelSelector(Labels.SELECTOR)
                .withOnUpdateFilter(Observations::podChangeMatters)
                .withSecondaryToPrimaryMapper(byInstanceLabel())
                .build(),
            context);
    // Looked up through an index rather than Context.getSecondaryResources, which gathers them
    // into a Set and so hashes every Pod and Job, whole, on every event.
    jobs.addIndexers(Map.of(BY_INSTANCE, WorkflowInstanceReconciler::instanceIndex));
    pods.addIndexers(Map.of(BY_INSTANCE, WorkflowInstanceReconciler::instanceIndex));
    // Subworkflow children are instances too, reconciled as such by the primary informer; this
    // second view of them, selected by the parent label, wakes the parent when a child changes.
    children =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(WorkflowInstance.class, WorkflowInstance.class)
                .withName("children")
                .withLabelSelector(Children.PARENT_LABEL)
                .withSecondaryToPrimaryMapper(
                    child -> {
                      String parent = Children.parentName(child);
                      return parent == null ? Set.of() : Set.of(new ResourceID(parent, child.getMetadata().getNamespace()));
                    })
                .build(),
            context);
    children.addIndexers(Map.of(BY_PARENT, WorkflowInstanceReconciler::parentIndex));
    return List.of(jobs, pods, children, starter.gate().attach(context.getPrimaryCache()));
  }

  private static List<String> parentIndex(WorkflowInstance child) {
    String parent = Children.parentName(child);
    return parent == null ? List.of() : List.of(child.getMetadata().getNamespace() + "/" + parent);
  }

  private static String instanceLabel(HasMetadata r) {
    return r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(Labels.INSTANCE);
  }

  private static List<String> instanceIndex(HasMetadata r) {
    String instance = instanceLabel(r);
    return instance == null ? List.of() : List.of(r.getMetadata().getNamespace() + "/" + instance);
  }

  private static <R extends HasMetadata> SecondaryToPrimaryMapper<R> byInstanceLabel() {
    return r -> {
      String instance = instanceLabel(r);
      return instance == null ? Set.of() : Set.of(new ResourceID(instance, r.getMetadata().getNamespace()));
    };
  }

  @Override
  public UpdateControl<WorkflowInstance> reconcile(WorkflowInstance instance, Context<WorkflowInstance> context) {
    InstanceKey key = new InstanceKey(instance.getMetadata().getNamespace(), instance.getMetadata().getName());
    if (context.isPrimaryResourceDeleted()) {
      forget(key);
      starter.gate().deleted(instance);
      return UpdateControl.noUpdate();
    }
    WorkflowInstanceStatus status = instance.getStatus();
    FlowActor actor = engine.get(key);
    boolean finalInCache = status != null && status.phase != null && status.phase.isFinal();
    if (actor != null && finalInCache && actor.phase().isFinal()) {
      // The run ended and its end is written: its actor has nothing left to do.
      forget(key);
      actor = null;
    }
    if (actor == null) {
      // The instance is the informer's own object (BatonOperator's cloner does not copy it), and
      // starting, resuming or restarting a run edits the status it is given: work on a copy.
      instance = Json.fromTree(Json.toTree(instance), WorkflowInstance.class);
      if (finalInCache) {
        WorkflowInstance restarted = restarts.restartIfAsked(instance);
        if (restarted == null) return UpdateControl.noUpdate();
        // A new run of the same object: it is no longer finished.
        finishedUids.remove(instance.getMetadata().getUid());
        instance = restarted;
      } else if (finishedUids.containsKey(instance.getMetadata().getUid())) {
        return restarts.waiting(instance) ? recheckRestart() : UpdateControl.noUpdate();
      }
    }
    boolean restartWaits = actor != null && restarts.waiting(instance);
    List<Job> jobs = Observations.owned(instance.getMetadata().getUid(), this.jobs.byIndex(BY_INSTANCE, key.toString()));
    List<Pod> pods = Observations.podsOf(jobs, this.pods.byIndex(BY_INSTANCE, key.toString()));
    List<WorkflowInstance> children = Children.ownedBy(instance, this.children.byIndex(BY_PARENT, key.toString()));
    if (actor == null && waitsForDeletions(instance, jobs, pods, children)) {
      return UpdateControl.<WorkflowInstance>noUpdate().rescheduleAfter(DELETIONS_RECHECK);
    }
    if (actor == null) {
      switch (starter.start(instance, Children.newestAttempts(Observations.newestAttempts(jobs), children))) {
        case RunStarter.Outcome.Started started -> actor = started.actor();
        case RunStarter.Outcome.Waiting waiting -> {
          return UpdateControl.<WorkflowInstance>noUpdate().rescheduleAfter(WORKFLOW_NOT_FOUND_RECHECK);
        }
        case RunStarter.Outcome.Queued queued -> {
          // The gate wakes it when its turn may have come; the recheck is only a safety net.
          return UpdateControl.<WorkflowInstance>noUpdate().rescheduleAfter(QUEUED_RECHECK);
        }
        case RunStarter.Outcome.Rejected rejected -> {
          return UpdateControl.noUpdate();
        }
      }
    } else {
      runtime.track(actor, instance);
    }
    Instant now = engine.clock().instant();
    for (FlowEvent event : Children.withChildren(Observations.of(jobs, pods, now), children, now)) {
      actor.tell(event);
    }
    if (instance.getSpec().stopRequested()) {
      actor.tell(new FlowEvent.StopRequested(engine.clock().instant()));
    }
    List<String> skip = instance.getSpec().skipOrEmpty();
    if (!skip.isEmpty()) {
      // Level based, like stop: the engine skips what is still unfinished and ignores the rest.
      Set<String> ids = new java.util.HashSet<>(skip);
      ids.remove(null);
      actor.tell(new FlowEvent.SkipRequested(ids, engine.clock().instant()));
    }
    return restartWaits ? recheckRestart() : UpdateControl.noUpdate();
  }

  /**
   * Whether a restarted run waiting to start must wait for the deletion of the earlier run's
   * objects of the iterations it runs again ({@link RestartAction}) to reach the informers: until
   * then they would be taken for the new run's attempts, which have the same paths and numbers.
   */
  private static boolean waitsForDeletions(
      WorkflowInstance instance, List<Job> jobs, List<Pod> pods, List<WorkflowInstance> children) {
    WorkflowInstanceStatus st = instance.getStatus();
    if (st == null || st.definition == null || st.run == null || !RunGate.isWaiting(st)) return false;
    return jobs.stream().anyMatch(j -> RestartAction.rerun(j, st))
        || pods.stream().anyMatch(p -> RestartAction.rerun(p, st))
        || children.stream().anyMatch(c -> RestartAction.rerun(c, st));
  }

  /**
   * A restart asked for while the run goes on is applied once the run's end is written. That
   * write changes only the status, which does not trigger a reconcile, so look again soon.
   */
  private static UpdateControl<WorkflowInstance> recheckRestart() {
    return UpdateControl.<WorkflowInstance>noUpdate().rescheduleAfter(RESTART_RECHECK);
  }

  private void forget(InstanceKey key) {
    engine.remove(key);
    runtime.forget(key);
  }

  /** Called once the final status of a run is written: its actor is no longer needed. */
  public void finished(InstanceKey key, String uid) {
    finishedUids.put(uid, Boolean.TRUE);
    // A reconcile may have seen the end first, restarted the instance and given the new run its
    // actor: that one stays.
    FlowActor actor = engine.get(key);
    if (actor == null || actor.phase().isFinal()) forget(key);
    starter.gate().ended(key, uid);
  }
}
