package dev.baton.reconciler;

import dev.baton.api.WorkflowInstance;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * An informer event source of Jobs or Pods that, before it wakes the instance an object is labelled
 * for, records the object's name as changed for that instance ({@link
 * dev.baton.runtime.ChangedObjects}); an object relabelled from one instance to another is recorded
 * for both. The informer's cache already holds the change when it calls here, so the reconcile it
 * wakes reads the object as it is now.
 */
final class RecordingEventSource<R extends HasMetadata>
    extends InformerEventSource<R, WorkflowInstance> {
  private final BiConsumer<String, String> record;

  RecordingEventSource(
      InformerEventSourceConfiguration<R> configuration,
      EventSourceContext<WorkflowInstance> context,
      BiConsumer<String, String> record) {
    super(configuration, context);
    this.record = record;
  }

  private void record(R r) {
    if (r == null || r.getMetadata() == null) return;
    String instance = WorkflowInstanceReconciler.instanceKey(r);
    if (instance != null) record.accept(instance, r.getMetadata().getName());
  }

  @Override
  public void onAdd(R r) {
    record(r);
    super.onAdd(r);
  }

  @Override
  public void onUpdate(R oldObject, R newObject) {
    if (oldObject != null
        && !Objects.equals(
            WorkflowInstanceReconciler.instanceKey(oldObject),
            WorkflowInstanceReconciler.instanceKey(newObject))) record(oldObject);
    record(newObject);
    super.onUpdate(oldObject, newObject);
  }

  @Override
  public void onDelete(R r, boolean deletedFinalStateUnknown) {
    record(r);
    super.onDelete(r, deletedFinalStateUnknown);
  }
}
