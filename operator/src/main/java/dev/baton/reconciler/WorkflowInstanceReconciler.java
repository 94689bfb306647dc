package dev.baton.reconciler;

import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
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
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps each run's actor fed. Called on every change to an instance, its Jobs or their Pods
 * (informers, never polling), and on deletion too, so that memory is freed without a finalizer
 * that would block deleting instances while the operator is down.
 */
@ControllerConfiguration(name = "workflowinstance", triggerReconcilerOnAllEvents = true)
public class WorkflowInstanceReconciler implements Reconciler<WorkflowInstance> {
  private static final Duration WORKFLOW_NOT_FOUND_RECHECK = Duration.ofSeconds(5);
  private static final Duration QUEUED_RECHECK = Duration.ofMinutes(2);

  private final FlowEngine engine;
  private final KubernetesRuntime runtime;

  /**
   * Runs whose final status this process wrote, by uid. The informer cache can lag behind that
   * write; without this, an event arriving meanwhile would resume the run from the stale status.
   */
  private final Map<String, Boolean> finishedUids =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > 100_000;
            }
          });

  private final RunStarter starter;

  WorkflowInstanceReconciler(FlowEngine engine, KubernetesRuntime runtime, RunStarter starter) {
    this.engine = engine;
    this.runtime = runtime;
    this.starter = starter;
  }

  /** An informer index of Jobs and Pods by "namespace/instance". */
  private static final String BY_INSTANCE = "baton-instance";

  private InformerEventSource<Job, WorkflowInstance> jobs;
  private InformerEventSource<Pod, WorkflowInstance> pods;

  @Override
  public List<EventSource<?, WorkflowInstance>> prepareEventSources(EventSourceContext<WorkflowInstance> context) {
    jobs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, WorkflowInstance.class)
                .withName("jobs")
                .withLabelSelector(Labels.SELECTOR)
                .withSecondaryToPrimaryMapper(byInstanceLabel())
                .build(),
            context);
    pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, WorkflowInstance.class)
                .withName("pods")
                .withLabelSelector(Labels.SELECTOR)
                .withSecondaryToPrimaryMapper(byInstanceLabel())
                .build(),
            context);
    // Looked up through an index rather than Context.getSecondaryResources, which gathers them
    // into a Set and so hashes every Pod and Job, whole, on every event.
    jobs.addIndexers(Map.of(BY_INSTANCE, WorkflowInstanceReconciler::instanceIndex));
    pods.addIndexers(Map.of(BY_INSTANCE, WorkflowInstanceReconciler::instanceIndex));
    return List.of(jobs, pods, starter.gate().attach(context.getPrimaryCache()));
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
    if (actor == null) {
      boolean finalInCache = status != null && status.phase != null && status.phase.isFinal();
      if (finalInCache || finishedUids.containsKey(instance.getMetadata().getUid())) {
        return UpdateControl.noUpdate();
      }
    }
    List<Job> jobs = this.jobs.byIndex(BY_INSTANCE, key.toString());
    List<Pod> pods = this.pods.byIndex(BY_INSTANCE, key.toString());
    if (actor == null) {
      switch (starter.start(instance, Observations.newestAttempts(jobs))) {
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
    for (FlowEvent event : Observations.of(jobs, pods, engine.clock().instant())) {
      actor.tell(event);
    }
    if (instance.getSpec().stopRequested()) {
      actor.tell(new FlowEvent.StopRequested(engine.clock().instant()));
    }
    return UpdateControl.noUpdate();
  }

  private void forget(InstanceKey key) {
    engine.remove(key);
    runtime.forget(key);
  }

  /** Called once the final status of a run is written: its actor is no longer needed. */
  public void finished(InstanceKey key, String uid) {
    finishedUids.put(uid, Boolean.TRUE);
    forget(key);
    starter.gate().ended(key, uid);
  }
}
