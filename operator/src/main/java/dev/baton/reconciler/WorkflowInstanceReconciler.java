package dev.baton.reconciler;

import dev.baton.api.WorkflowInstance;
import dev.baton.runs.RunAdmission;
import dev.baton.runs.RunDriver;
import dev.baton.runtime.CachedObjects;
import dev.baton.runtime.Children;
import dev.baton.runtime.Labels;
import dev.baton.runtime.Observations;
import dev.baton.runtime.SignalWaits;
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
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps each run's actor fed. Called on every change to an instance, its Jobs, their Pods or its
 * subworkflow children (informers, never polling), and on deletion too, so that memory is freed
 * without a finalizer that would block deleting instances while the operator is down. What to do
 * about a run is {@link RunDriver}'s to decide; this class only watches and hands over.
 */
@ControllerConfiguration(name = "workflowinstance", triggerReconcilerOnAllEvents = true)
public class WorkflowInstanceReconciler implements Reconciler<WorkflowInstance> {
  private final RunDriver runs;
  private final RunAdmission admission;
  private final SignalWaits signalWaits;

  WorkflowInstanceReconciler(RunDriver runs, RunAdmission admission, SignalWaits signalWaits) {
    this.runs = runs;
    this.admission = admission;
    this.signalWaits = signalWaits;
  }

  /** An informer index of Jobs and Pods by "namespace/instance". */
  private static final String BY_INSTANCE = "baton-instance";

  private InformerEventSource<Job, WorkflowInstance> jobs;
  private InformerEventSource<Pod, WorkflowInstance> pods;

  /** An informer index of child instances by "namespace/parent". */
  private static final String BY_PARENT = "baton-parent";

  private InformerEventSource<WorkflowInstance, WorkflowInstance> children;

  @Override
  public List<EventSource<?, WorkflowInstance>> prepareEventSources(
      EventSourceContext<WorkflowInstance> context) {
    var jobConfig =
        InformerEventSourceConfiguration.from(Job.class, WorkflowInstance.class)
            .withName("jobs")
            .withLabelSelector(Labels.SELECTOR)
            .withOnUpdateFilter(Observations::jobChangeMatters)
            .withSecondaryToPrimaryMapper(byInstanceLabel());
    var podConfig =
        InformerEventSourceConfiguration.from(Pod.class, WorkflowInstance.class)
            .withName("pods")
            .withLabelSelector(Labels.SELECTOR)
            .withOnUpdateFilter(Observations::podChangeMatters)
            .withSecondaryToPrimaryMapper(byInstanceLabel());
    // The caches keep only what Baton reads of each Job and Pod (CachedObjects): finished ones stay
    // for the Job TTL. JOSDK gives the one item store to every informer of the event source, one
    // per watched namespace, and a relist of one namespace would drop the others' objects from a
    // shared store: pruned only with a single informer (all namespaces, or one).
    if (singleInformer(context)) {
      jobConfig.withItemStore(CachedObjects.jobStore());
      podConfig.withItemStore(CachedObjects.podStore());
    }
    jobs = new InformerEventSource<>(jobConfig.build(), context);
    pods = new InformerEventSource<>(podConfig.build(), context);
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
                .withLabelSelector(Labels.PARENT)
                .withSecondaryToPrimaryMapper(child -> {
                  String parent = Children.parentName(child);
                  return parent == null
                      ? Set.of()
                      : Set.of(new ResourceID(parent, child.getMetadata().getNamespace()));
                })
                .build(),
            context);
    children.addIndexers(Map.of(BY_PARENT, WorkflowInstanceReconciler::parentIndex));
    SignalEventSource signals = SignalEventSource.of(context, signalWaits);
    return List.of(jobs, pods, children, signals, admission.attach(context.getPrimaryCache()));
  }

  private static boolean singleInformer(EventSourceContext<WorkflowInstance> context) {
    var informer = context.getControllerConfiguration().getInformerConfig();
    return informer.watchAllNamespaces() || informer.getNamespaces().size() == 1;
  }

  private static List<String> parentIndex(WorkflowInstance child) {
    String parent = Children.parentName(child);
    return parent == null ? List.of() : List.of(child.getMetadata().getNamespace() + "/" + parent);
  }

  private static String instanceLabel(HasMetadata r) {
    return r.getMetadata().getLabels() == null
        ? null
        : r.getMetadata().getLabels().get(Labels.INSTANCE);
  }

  private static List<String> instanceIndex(HasMetadata r) {
    String instance = instanceLabel(r);
    return instance == null ? List.of() : List.of(r.getMetadata().getNamespace() + "/" + instance);
  }

  private static <R extends HasMetadata> SecondaryToPrimaryMapper<R> byInstanceLabel() {
    return r -> {
      String instance = instanceLabel(r);
      return instance == null
          ? Set.of()
          : Set.of(new ResourceID(instance, r.getMetadata().getNamespace()));
    };
  }

  @Override
  public UpdateControl<WorkflowInstance> reconcile(
      WorkflowInstance instance, Context<WorkflowInstance> context) {
    if (context.isPrimaryResourceDeleted()) {
      runs.deleted(instance);
      return UpdateControl.noUpdate();
    }
    String key = instance.getMetadata().getNamespace() + "/" + instance.getMetadata().getName();
    var owned =
        new RunDriver.Owned(
            jobs.byIndex(BY_INSTANCE, key),
            pods.byIndex(BY_INSTANCE, key),
            children.byIndex(BY_PARENT, key));
    return runs.reconcile(instance, owned)
        .map(after -> UpdateControl.<WorkflowInstance>noUpdate().rescheduleAfter(after))
        .orElseGet(UpdateControl::noUpdate);
  }
}
