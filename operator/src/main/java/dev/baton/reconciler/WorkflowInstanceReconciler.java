package dev.baton.reconciler;

import dev.baton.api.WorkflowInstance;
import dev.baton.runs.RunAdmission;
import dev.baton.runs.RunDriver;
import dev.baton.runtime.CachedObjects;
import dev.baton.runtime.ChangedObjects;
import dev.baton.runtime.Children;
import dev.baton.runtime.InstanceObjects;
import dev.baton.runtime.Labels;
import dev.baton.runtime.Observations;
import dev.baton.runtime.Ownership;
import dev.baton.runtime.SignalWaits;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Keeps each run's actor fed. Called on every change to an instance, its Jobs, their Pods or its
 * subworkflow children (informers, never polling), and on deletion too, so that memory is freed
 * without a finalizer that would block deleting instances while the operator is down. What to do
 * about a run is {@link RunDriver}'s to decide; this class only watches and hands over.
 */
@ControllerConfiguration(
    name = WorkflowInstanceReconciler.NAME,
    triggerReconcilerOnAllEvents = true)
public class WorkflowInstanceReconciler implements Reconciler<WorkflowInstance> {
  static final String NAME = "workflowinstance";

  private final RunDriver runs;
  private final RunAdmission admission;
  private final SignalWaits signalWaits;
  private final Consumer<Duration> waited;
  private final RemadeInstances remade = new RemadeInstances(NAME);

  /**
   * @param waited told, on each reconcile that reads Job and Pod changes one of which woke it, how
   *     long after the first such change it began
   */
  WorkflowInstanceReconciler(
      RunDriver runs, RunAdmission admission, SignalWaits signalWaits, Consumer<Duration> waited) {
    this.runs = runs;
    this.admission = admission;
    this.signalWaits = signalWaits;
    this.waited = waited;
  }

  /** An informer index of Jobs and Pods by "namespace/instance". */
  private static final String BY_INSTANCE = "baton-instance";

  /** An informer index of Pods by "namespace/job", their controller Job. */
  private static final String BY_JOB = "baton-job";

  private InformerEventSource<Job, WorkflowInstance> jobs;
  private InformerEventSource<Pod, WorkflowInstance> pods;

  /** By instance, the names of its Jobs and Pods changed since its last reconcile. */
  private final ChangedObjects changed = new ChangedObjects();

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
    // Each records which of an instance's Jobs and Pods changed before it wakes the instance, so
    // that a reconcile reads those rather than all of them (RunObjects).
    jobs = new RecordingEventSource<>(jobConfig.build(), context, changed::job);
    pods = new RecordingEventSource<>(podConfig.build(), context, changed::pod);
    jobs.addIndexers(Map.of(BY_INSTANCE, WorkflowInstanceReconciler::instanceIndex));
    pods.addIndexers(
        Map.of(
            BY_INSTANCE, WorkflowInstanceReconciler::instanceIndex,
            BY_JOB, WorkflowInstanceReconciler::jobIndex));
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
    return List.of(
        jobs,
        pods,
        children,
        signals,
        admission.attach(context.getPrimaryCache()),
        remade.attach(context.getPrimaryCache()));
  }

  /** What JOSDK's metrics hook must be told for this reconciler: see {@link RemadeInstances}. */
  Metrics frameworkHook() {
    return remade;
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

  /** The "namespace/instance" of the instance whose label {@code r} carries, or null. */
  static String instanceKey(HasMetadata r) {
    String instance = instanceLabel(r);
    return instance == null ? null : r.getMetadata().getNamespace() + "/" + instance;
  }

  private static List<String> jobIndex(Pod pod) {
    String job = Ownership.jobName(pod);
    return job == null ? List.of() : List.of(pod.getMetadata().getNamespace() + "/" + job);
  }

  private static List<String> instanceIndex(HasMetadata r) {
    String key = instanceKey(r);
    return key == null ? List.of() : List.of(key);
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
    String key = instance.getMetadata().getNamespace() + "/" + instance.getMetadata().getName();
    if (context.isPrimaryResourceDeleted()) {
      // JOSDK hands a delete the object its cache holds under the name, if any, and drops the
      // events that came after the delete: when an instance is made again under the name of one
      // just deleted, this is the new one, alive, and it is reconciled now. (RunDriver ends the
      // deleted one's run, which it finds under the same name. JOSDK then forgets the name, and
      // RemadeInstances wakes the new one again so that its Job and Pod events are heard.)
      WorkflowInstance live =
          context.getPrimaryCache().get(ResourceID.fromResource(instance)).orElse(null);
      if (live == null) {
        changed.take(key);
        runs.deleted(instance);
        return UpdateControl.noUpdate();
      }
      instance = live;
    }
    Workloads workloads =
        new Workloads(instance.getMetadata().getNamespace(), instance.getMetadata().getName(), key);
    var after =
        runs.reconcile(instance, new RunDriver.Owned(workloads, children.byIndex(BY_PARENT, key)));
    // A reconcile that read no changes has no run under way to tell them to (a run not started, or
    // ended): they are dropped, or a finished instance would gather the names of its Jobs and Pods
    // until it is deleted. A run started later reads all of its objects first.
    if (!workloads.taken) changed.take(key);
    return after
        .map(a -> UpdateControl.<WorkflowInstance>noUpdate().rescheduleAfter(a))
        .orElseGet(UpdateControl::noUpdate);
  }

  /** One instance's Jobs and Pods in the informers' caches. */
  private final class Workloads implements InstanceObjects {
    private final String namespace;
    private final String instance;
    private final String key;

    Workloads(String namespace, String instance, String key) {
      this.namespace = namespace;
      this.instance = instance;
      this.key = key;
    }

    @Override
    public List<Job> jobs() {
      // Looked up through an index rather than Context.getSecondaryResources, which gathers them
      // into a Set and so hashes every Pod and Job, whole, on every event.
      return jobs.byIndex(BY_INSTANCE, key);
    }

    @Override
    public List<Pod> pods() {
      return pods.byIndex(BY_INSTANCE, key);
    }

    @Override
    public Job job(String name) {
      return mine(jobs.get(new ResourceID(name, namespace)).orElse(null));
    }

    @Override
    public Pod pod(String name) {
      return mine(pods.get(new ResourceID(name, namespace)).orElse(null));
    }

    /** {@code r} when it is labelled as this instance's, as the index would find it; else null. */
    private <R extends HasMetadata> R mine(R r) {
      return r != null && instance.equals(instanceLabel(r)) ? r : null;
    }

    @Override
    public List<Pod> podsOf(String jobName) {
      List<Pod> of = new ArrayList<>(1);
      for (Pod p : pods.byIndex(BY_JOB, namespace + "/" + jobName)) {
        if (instance.equals(instanceLabel(p))) of.add(p);
      }
      return of;
    }

    /** Whether this reconcile took the changes. */
    boolean taken;

    @Override
    public ChangedObjects.Names changed() {
      taken = true;
      ChangedObjects.Names names = WorkflowInstanceReconciler.this.changed.take(key);
      if (names.woke()) waited.accept(Duration.ofNanos(System.nanoTime() - names.wokenAt()));
      return names;
    }
  }
}
