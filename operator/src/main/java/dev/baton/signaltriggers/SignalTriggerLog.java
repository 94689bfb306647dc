package dev.baton.signaltriggers;

import dev.baton.api.SignalTrigger;
import dev.baton.api.SignalTriggerStatus;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowStatus;
import dev.baton.signals.Watermark;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the signal triggers did since the Workflow's status was last written: their last run and
 * their last failure to start one, kept here until the Workflow controller, the one writer of a
 * Workflow's status, folds them into {@code status.signalTriggers} (it is woken for that). It also
 * gives each trigger its watermark the first time the controller sees it ({@link Watermark}).
 */
public final class SignalTriggerLog {
  private final SimpleInboundEventSource<Workflow> wakeups =
      new SimpleInboundEventSource<>("signal-triggers");

  /** "namespace/workflow" -> trigger -> what happened last. */
  private final Map<String, Map<String, SignalTriggerStatus>> recent = new ConcurrentHashMap<>();

  /** The event source through which the Workflow controller hears of new activity. */
  public SimpleInboundEventSource<Workflow> wakeups() {
    return wakeups;
  }

  void started(String namespace, String workflow, String trigger, String instance, Instant at) {
    update(
        namespace,
        workflow,
        trigger,
        s -> {
          s.lastRun = instance;
          s.lastRunTime = at.toString();
        });
  }

  void failed(String namespace, String workflow, String trigger, String why, Instant at) {
    update(
        namespace,
        workflow,
        trigger,
        s -> {
          s.lastFailure = why;
          s.lastFailureTime = at.toString();
        });
  }

  private void update(
      String namespace,
      String workflow,
      String trigger,
      java.util.function.Consumer<SignalTriggerStatus> change) {
    recent
        .computeIfAbsent(namespace + "/" + workflow, k -> new ConcurrentHashMap<>())
        .compute(
            trigger,
            (k, old) -> {
              SignalTriggerStatus s = old == null ? new SignalTriggerStatus() : old;
              s.name = trigger;
              change.accept(s);
              return s;
            });
    try {
      wakeups.propagateEvent(new ResourceID(workflow, namespace));
    } catch (RuntimeException e) {
      // Not started yet (a test without the controller): the next reconcile folds it in anyway.
    }
  }

  /**
   * The {@code status.signalTriggers} to write for {@code workflow}: one entry per trigger of its
   * spec, keeping the watermark and the last run and failure of the old status, with what happened
   * since laid over them; a trigger first seen gets its watermark now. Null without triggers.
   */
  public List<SignalTriggerStatus> statusOf(Workflow workflow, Instant now) {
    var spec = workflow.getSpec();
    if (spec == null || spec.triggers == null || spec.triggers.signals == null) return null;
    WorkflowStatus old = workflow.getStatus();
    Map<String, SignalTriggerStatus> news =
        recent.getOrDefault(
            workflow.getMetadata().getNamespace() + "/" + workflow.getMetadata().getName(),
            Map.of());
    List<SignalTriggerStatus> out = new ArrayList<>();
    for (SignalTrigger t : spec.triggers.signals) {
      if (t == null || t.name == null) continue;
      SignalTriggerStatus was = find(old == null ? null : old.signalTriggers, t.name);
      SignalTriggerStatus s = new SignalTriggerStatus();
      s.name = t.name;
      if (was != null) {
        s.since = was.since;
        s.lastRun = was.lastRun;
        s.lastRunTime = was.lastRunTime;
        s.lastFailure = was.lastFailure;
        s.lastFailureTime = was.lastFailureTime;
      }
      if (s.since == null) {
        Long generation = workflow.getMetadata().getGeneration();
        String created = workflow.getMetadata().getCreationTimestamp();
        s.since =
            Watermark.since(
                    generation == null ? 1 : generation,
                    created == null ? null : Instant.parse(created),
                    now)
                .toString();
      }
      SignalTriggerStatus n = news.get(t.name);
      if (n != null) {
        if (n.lastRun != null) {
          s.lastRun = n.lastRun;
          s.lastRunTime = n.lastRunTime;
        }
        if (n.lastFailure != null) {
          s.lastFailure = n.lastFailure;
          s.lastFailureTime = n.lastFailureTime;
        }
      }
      out.add(s);
    }
    return out;
  }

  /** The trigger's entry in a status's list, or null. */
  public static SignalTriggerStatus find(List<SignalTriggerStatus> list, String trigger) {
    if (list == null) return null;
    for (SignalTriggerStatus s : list) if (s != null && trigger.equals(s.name)) return s;
    return null;
  }
}
