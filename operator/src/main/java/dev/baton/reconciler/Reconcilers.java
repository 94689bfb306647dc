package dev.baton.reconciler;

import dev.baton.dag.DefinitionCache;
import dev.baton.runs.Runs;
import dev.baton.runtime.StatusReplacer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;

/** Builds the two reconcilers around the runs they hand over to. */
public final class Reconcilers {
  private final WorkflowReconciler workflows;
  private final WorkflowInstanceReconciler instances;

  public Reconcilers(KubernetesClient client, DefinitionCache definitions, Runs runs, Clock clock) {
    workflows =
        new WorkflowReconciler(definitions, clock, runs.admission(), new StatusReplacer(client));
    instances = new WorkflowInstanceReconciler(runs.driver(), runs.admission(), runs.signalWaits());
  }

  public WorkflowReconciler workflows() {
    return workflows;
  }

  public WorkflowInstanceReconciler instances() {
    return instances;
  }
}
