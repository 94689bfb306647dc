package dev.baton.signaltriggers;

import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * An informer store of the instances triggers started, keeping what the signal controller reads:
 * name, uid, labels and spec.workflow. An instance's status (its pinned definition, every step) is
 * most of its size, and a namespace may hold many.
 */
public final class TriggeredRunStore implements ItemStore<WorkflowInstance> {
  private final Map<String, WorkflowInstance> items = new ConcurrentHashMap<>();

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

  @Override
  public String getKey(WorkflowInstance obj) {
    return Cache.metaNamespaceKeyFunc(obj);
  }

  @Override
  public WorkflowInstance put(String key, WorkflowInstance obj) {
    return items.put(key, slim(obj));
  }

  @Override
  public WorkflowInstance remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<WorkflowInstance> values() {
    return items.values().stream();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public WorkflowInstance get(String key) {
    return items.get(key);
  }
}
