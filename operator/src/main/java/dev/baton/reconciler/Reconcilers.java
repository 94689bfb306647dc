package dev.baton.reconciler;

import dev.baton.dag.DefinitionCache;
import dev.baton.runs.Runs;
import dev.baton.runtime.EventRecorder;
import dev.baton.runtime.StatusReplacer;
import dev.baton.scheduler.ScheduleDriver;
import dev.baton.signaltriggers.SignalRetention;
import dev.baton.signaltriggers.SignalTriggerLog;
import dev.baton.signaltriggers.SignalTriggerRunner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/** Builds the reconcilers around the runs, schedules and signal triggers they hand over to. */
public final class Reconcilers {
  private final WorkflowReconciler workflows;
  private final WorkflowInstanceReconciler instances;
  private final SignalReconciler signals;

  public Reconcilers(
      KubernetesClient client,
      DefinitionCache definitions,
      Runs runs,
      ScheduleDriver schedules,
      EventRecorder events,
      SignalRetention retention,
      Consumer<Duration> reconcileWaited,
      Clock clock) {
    SignalTriggerLog triggers = new SignalTriggerLog();
    workflows =
        new WorkflowReconciler(
            definitions,
            clock,
            runs.admission(),
            runs.retention(),
            new StatusReplacer(client),
            schedules,
            triggers);
    instances =
        new WorkflowInstanceReconciler(
            runs.driver(), runs.admission(), runs.signalWaits(), reconcileWaited);
    signals =
        new SignalReconciler(
            new SignalTriggerRunner(client, definitions, events, triggers, clock), retention);
  }

  /**
   * JOSDK's metrics hook: it records nothing, it only keeps an instance made again under a deleted
   * one's name heard of (RemadeInstances).
   */
  public Metrics frameworkHook() {
    return instances.frameworkHook();
  }

  public SignalReconciler signals() {
    return signals;
  }

  public WorkflowReconciler workflows() {
    return workflows;
  }

  public WorkflowInstanceReconciler instances() {
    return instances;
  }
}
