package dev.baton.reconciler;

import dev.baton.api.WorkflowInstance;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.javaoperatorsdk.operator.processing.event.source.controller.ResourceAction;
import io.javaoperatorsdk.operator.processing.event.source.controller.ResourceEvent;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes an instance that JOSDK has forgotten while it lives: one made again under the name of an
 * instance just deleted.
 *
 * <p>With {@code triggerReconcilerOnAllEvents}, JOSDK 5.2.3 keeps one state per name. When the
 * create of a new instance reaches it before it has finished the delete of the earlier one under
 * the name, it folds the two into the delete's reconcile (handed the object its cache holds, the
 * new one), then removes the name's state. From then on it drops every event for the name that is
 * not the instance's own (its Jobs', its Pods', its reschedules) until the instance itself changes:
 * the new run would stall. JOSDK tells its metrics hook when it removes a name's state, holding its
 * event processor's lock; if the cache then holds an instance under the name, this hands JOSDK,
 * once it lets go of the lock, the create event it folded away, which makes the state anew and
 * reconciles the instance. When there was no fold (the create still to come), this only adds one
 * reconcile, which finds nothing to do.
 */
final class RemadeInstances extends AbstractEventSource<Void, WorkflowInstance> implements Metrics {
  private static final Logger LOG = LoggerFactory.getLogger(RemadeInstances.class);

  private final String controller;

  /** One thread, and only while there is a wake to hand over. */
  private final ExecutorService handover =
      new ThreadPoolExecutor(
          0,
          1,
          10,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          Thread.ofPlatform().daemon().name("baton-remade").factory());

  private volatile Cache<WorkflowInstance> instances;

  /**
   * @param controller the name of the instance controller, as JOSDK gives it to its metrics hook
   */
  RemadeInstances(String controller) {
    super(Void.class, "remade");
    this.controller = controller;
  }

  /** The instance controller's primary cache, where a remade instance is looked for. */
  RemadeInstances attach(Cache<WorkflowInstance> primary) {
    instances = primary;
    return this;
  }

  @Override
  public void cleanupDoneFor(ResourceID id, Map<String, Object> metadata) {
    if (!controller.equals(metadata.get(Constants.CONTROLLER_NAME))) return;
    Cache<WorkflowInstance> cache = instances;
    if (cache == null || !isRunning()) return;
    WorkflowInstance live = cache.get(id).orElse(null);
    if (live == null) return;
    LOG.info(
        "{}/{}: made again under the name of a deleted instance; reconciled anew",
        id.getNamespace().orElse(""),
        id.getName());
    // Not from this thread: JOSDK is still inside its bookkeeping of the delete here. Its lock
    // makes the hand-over wait until that is done.
    handover.execute(() -> {
      if (isRunning()) {
        getEventHandler().handleEvent(new ResourceEvent(ResourceAction.ADDED, id, live));
      }
    });
  }

  @Override
  public Set<Void> getSecondaryResources(WorkflowInstance primary) {
    return Set.of();
  }
}
