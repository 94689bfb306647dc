package dev.baton.reconciler;

import dev.baton.dag.DefinitionCache;
import dev.baton.runs.Runs;
import dev.baton.runtime.StatusReplacer;
import dev.baton.scheduler.ScheduleDriver;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;

/** Builds the two reconcilers around the runs and schedules they hand over to. */
public final class Reconcilers {
  private final WorkflowReconciler workflows;
  private final WorkflowInstanceReconciler instances;

  public Reconcilers(
      KubernetesClient client,
      DefinitionCache definitions,
      Runs runs,
      ScheduleDriver schedules,
      Clock clock) {
    workflows =
        new WorkflowReconciler(
            definitions,
            clock,
            runs.admission(),
            runs.retention(),
            new StatusReplacer(client),
            schedules);
    instances = new WorkflowInstanceReconciler(runs.driver(), runs.admission(), runs.signalWaits());
  }

  public WorkflowReconciler workflows() {
    return workflows;
  }

  public WorkflowInstanceReconciler instances() {
    return instances;
  }
}
