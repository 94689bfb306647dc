package dev.baton.signaltriggers;

import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;

/**
 * An informer store of the instances triggers started, keeping what the signal controller reads:
 * name, uid, labels and spec.workflow. An instance's status (its pinned definition, every step) is
 * most of its size, and a namespace may hold many.
 */
public final class TriggeredRunStore {
  private TriggeredRunStore() {}

  static WorkflowInstance slim(WorkflowInstance full) {
    WorkflowInstance s = new WorkflowInstance();
    var m = full.getMetadata();
    s.setMetadata(
        new ObjectMetaBuilder()
            .withName(m.getName())
            .withNamespace(m.getNamespace())
            .withUid(m.getUid())
            .withResourceVersion(m.getResourceVersion())
            .withLabels(m.getLabels())
            .build());
    if (full.getSpec() != null) {
      WorkflowInstanceSpec spec = new WorkflowInstanceSpec();
      spec.workflow = full.getSpec().workflow;
      s.setSpec(spec);
    }
    return s;
  }

  /** The store, keeping {@link #slim} copies. */
  public static ItemStore<WorkflowInstance> create() {
    return new TransformingItemStore<>(TriggeredRunStore::slim);
  }
}
