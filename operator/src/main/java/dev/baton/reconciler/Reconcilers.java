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
    RunGate gate = new RunGate(client, clock);
    workflows = new WorkflowReconciler(definitions, clock, gate);
    instances =
        new WorkflowInstanceReconciler(
            engine,
            runtime,
            new RunStarter(client, definitions, engine, runtime, status, events, gate),
            new RestartAction(client, definitions, events, clock));
  }

  public WorkflowReconciler workflows() {
    return workflows;
  }

  public WorkflowInstanceReconciler instances() {
    return instances;
  }
}
