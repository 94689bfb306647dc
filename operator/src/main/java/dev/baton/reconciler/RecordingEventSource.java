package dev.baton.reconciler;

import dev.baton.api.WorkflowInstance;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Objects;

/**
 * An informer event source of Jobs or Pods that, before it wakes the instance an object is labelled
 * for, records the object's name as changed for that instance ({@link
 * dev.baton.runtime.ChangedObjects}); an object relabelled from one instance to another is recorded
 * for both. The informer's cache already holds the change when it calls here, so the reconcile it
 * wakes reads the object as it is now. Every change is recorded; an update is recorded as waking
 * the instance only when it passes the configuration's update filter, the one the event source
 * applies before waking it.
 */
final class RecordingEventSource<R extends HasMetadata>
    extends InformerEventSource<R, WorkflowInstance> {
  /** Where a change is recorded: the instance's key, the object's name, whether it wakes it. */
  interface Recorder {
    void record(String instance, String name, boolean wakes);
  }

  private final Recorder recorder;
  private final OnUpdateFilter<? super R> updateWakes;

  RecordingEventSource(
      InformerEventSourceConfiguration<R> configuration,
      EventSourceContext<WorkflowInstance> context,
      Recorder recorder) {
    super(configuration, context);
    this.recorder = recorder;
    OnUpdateFilter<? super R> filter = configuration.getInformerConfig().getOnUpdateFilter();
    this.updateWakes = filter != null ? filter : (newer, older) -> true;
  }

  private void record(R r, boolean wakes) {
    if (r == null || r.getMetadata() == null) return;
    String instance = WorkflowInstanceReconciler.instanceKey(r);
    if (instance != null) recorder.record(instance, r.getMetadata().getName(), wakes);
  }

  @Override
  public void onAdd(R r) {
    record(r, true);
    super.onAdd(r);
  }

  @Override
  public void onUpdate(R oldObject, R newObject) {
    boolean wakes = oldObject == null || updateWakes.accept(newObject, oldObject);
    if (oldObject != null
        && !Objects.equals(
            WorkflowInstanceReconciler.instanceKey(oldObject),
            WorkflowInstanceReconciler.instanceKey(newObject))) record(oldObject, wakes);
    record(newObject, wakes);
    super.onUpdate(oldObject, newObject);
  }

  @Override
  public void onDelete(R r, boolean deletedFinalStateUnknown) {
    record(r, true);
    super.onDelete(r, deletedFinalStateUnknown);
  }
}
