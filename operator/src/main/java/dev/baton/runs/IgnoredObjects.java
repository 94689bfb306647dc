package dev.baton.runs;

import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.EventRecorder;
import dev.baton.runtime.Observations;
import dev.baton.runtime.Ownership;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells an instance's owner, once per object, about a Job, Pod or instance that carries the
 * instance's labels but not the owner reference Baton's own objects have ({@link
 * Observations#unowned}): it was made by hand, and the run ignores it. A Warning event on the
 * instance and a log line, each once: the run reads the object again on every reconcile, and that
 * must not repeat them. Objects owned by a deleted namesake are routine and not told.
 */
final class IgnoredObjects {
  private static final Logger LOG = LoggerFactory.getLogger(IgnoredObjects.class);

  /** Objects told about, by UID; the oldest are forgotten past this many (told again at worst). */
  private static final int REMEMBERED = 10_000;

  private final EventRecorder events;
  private final Set<String> told =
      Collections.synchronizedSet(
          Collections.newSetFromMap(
              new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                  return size() > REMEMBERED;
                }
              }));

  IgnoredObjects(EventRecorder events) {
    this.events = events;
  }

  void report(WorkflowInstance instance, RunDriver.Owned owned) {
    report(
        instance, owned.jobs(), "has the labels of one of its steps' Jobs but is not owned by it");
    report(
        instance,
        owned.pods(),
        "has the labels of one of its steps' pods but is not owned by a Job");
    report(instance, owned.children(), "has its parent label but is not owned by it");
  }

  /**
   * The same, for a run under way: {@code unowned} are the Jobs and Pods with no controller of
   * Baton's kind, as {@link dev.baton.runtime.RunObjects} found them.
   */
  void report(
      WorkflowInstance instance, List<HasMetadata> unowned, List<WorkflowInstance> children) {
    for (HasMetadata o : unowned) {
      report(
          instance,
          List.of(o),
          o instanceof io.fabric8.kubernetes.api.model.Pod
              ? "has the labels of one of its steps' pods but is not owned by a Job"
              : "has the labels of one of its steps' Jobs but is not owned by it");
    }
    report(instance, children, "has its parent label but is not owned by it");
  }

  private void report(WorkflowInstance instance, List<? extends HasMetadata> objects, String what) {
    for (HasMetadata o : objects) {
      if (!Ownership.unowned(o)) continue;
      String uid = o.getMetadata().getUid();
      if (uid == null || !told.add(uid)) continue;
      String message = o.getKind() + " " + o.getMetadata().getName() + " " + what + "; ignored";
      LOG.warn(
          "{}/{}: {}",
          instance.getMetadata().getNamespace(),
          instance.getMetadata().getName(),
          message);
      events.record(
          instance, EventRecorder.Type.Warning, EventRecorder.Reason.ObjectIgnored, message);
    }
  }
}
