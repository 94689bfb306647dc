package dev.baton.reconciler;

import dev.baton.dag.DefinitionCache;
import dev.baton.flow.FlowEngine;
import dev.baton.runtime.EventRecorder;
import dev.baton.runtime.KubernetesRuntime;
import dev.baton.runtime.StatusWriter;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;

/** Builds the two reconcilers and what they share. */
public final class Reconcilers {
  private final WorkflowReconciler workflows;
  private final WorkflowInstanceReconciler instances;

  public Reconcilers(
      KubernetesClient client,
      DefinitionCache definitions,
      FlowEngine engine,
      KubernetesRuntime runtime,
      StatusWriter status,
      EventRecorder events,
      Clock clock) {
    workflows = new WorkflowReconciler(definitions, clock);
    instances =
        new WorkflowInstanceReconciler(
            engine,
            runtime,
            new RunStarter(client, definitions, engine, runtime, status, events),
            new RestartAction(client, definitions, events, clock));
  }

  public WorkflowReconciler workflows() {
    return workflows;
  }

  public WorkflowInstanceReconciler instances() {
    return instances;
  }
}
