package dev.baton.reconciler;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.RunStrategyType;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowStatus;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.DefinitionCache;
import dev.baton.dag.InvalidDefinitionException;
import dev.baton.dag.SubworkflowCycles;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.rate.RateLimited;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Validates each Workflow and reports Valid=True, or Valid=False with every problem found
 * (including a subworkflow step through which the workflow would call itself); and keeps its
 * aggregate view of its instances (runs by phase, last run, last success, blockedBy).
 *
 * <p>Instance events reach it through an informer mapping each instance to its Workflow. Rate
 * limited: however many instances change at once, a Workflow is reconciled (and its status
 * written) at most twice a second; the events meanwhile are folded into the next reconcile.
 */
@ControllerConfiguration(name = "workflow")
@RateLimited(maxReconciliations = 2, within = 1, unit = TimeUnit.SECONDS)
public class WorkflowReconciler implements Reconciler<Workflow> {
  private final DefinitionCache definitions;
  private final Clock clock;
  private final RunGate gate;
  private InformerEventSource<WorkflowInstance, Workflow> instances;

  public WorkflowReconciler(DefinitionCache definitions, Clock clock, RunGate gate) {
    this.definitions = definitions;
    this.clock = clock;
    this.gate = gate;
  }

  @Override
  public List<EventSource<?, Workflow>> prepareEventSources(EventSourceContext<Workflow> context) {
    gate.attachWorkflows(context.getPrimaryCache());
    instances =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(WorkflowInstance.class, Workflow.class)
                .withName("instances")
                .withItemStore(new WorkflowRuns.SlimStore())
                .withSecondaryToPrimaryMapper(
                    (WorkflowInstance i) -> i.getSpec() == null || i.getSpec().workflow == null
                        ? Set.of()
                        : Set.of(new ResourceID(i.getSpec().workflow, i.getMetadata().getNamespace())))
                .build(),
            context);
    instances.addIndexers(Map.of(RunGate.BY_WORKFLOW, i -> i.getSpec() == null || i.getSpec().workflow == null
        ? List.of()
        : List.of(RunGate.workflowKey(i.getMetadata().getNamespace(), i.getSpec().workflow))));
    return List.of(instances, otherWorkflows(context));
  }

  /**
   * Every Workflow, seen again here so that a change to one re-validates those that call
   * subworkflows: editing, adding or deleting b can close or open the cycle a -> b -> a.
   */
  private InformerEventSource<Workflow, Workflow> others;

  private InformerEventSource<Workflow, Workflow> otherWorkflows(EventSourceContext<Workflow> context) {
    IndexerResourceCache<Workflow> primaries = context.getPrimaryCache();
    others =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Workflow.class, Workflow.class)
                .withName("other-workflows")
                // Spec changes only: status writes (this reconciler's own among them) call nothing.
                .withOnUpdateFilter((newer, older) -> !Objects.equals(newer.getMetadata().getGeneration(), older.getMetadata().getGeneration()))
                .withSecondaryToPrimaryMapper(
                    changed ->
                        primaries
                            .list(changed.getMetadata().getNamespace(), w -> !SubworkflowCycles.calls(w.getSpec()).isEmpty())
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .build(),
            context);
    return others;
  }

  /**
   * Where the workflow calls itself. The others are read from the informer whose event may have
   * brought us here, so their specs are at least as new as that event; the workflow's own spec is
   * the one being validated.
   */
  private List<String> cycles(Workflow workflow) {
    String ns = workflow.getMetadata().getNamespace();
    return SubworkflowCycles.find(
        workflow.getMetadata().getName(),
        workflow.getSpec(),
        name -> others.get(new ResourceID(name, ns)).map(Workflow::getSpec).orElse(null));
  }

  @Override
  public UpdateControl<Workflow> reconcile(Workflow workflow, Context<Workflow> context) {
    WorkflowStatus old = workflow.getStatus();
    WorkflowStatus status = new WorkflowStatus();
    status.conditions = old == null || old.conditions == null ? new ArrayList<>() : new ArrayList<>(old.conditions);
    status.observedGeneration = workflow.getMetadata().getGeneration();
    status.stepCount = workflow.getSpec() == null || workflow.getSpec().steps == null ? 0 : workflow.getSpec().steps.size();
    try {
      CompiledWorkflow compiled = definitions.compile(workflow.getSpec());
      status.definitionHash = compiled.hash();
      List<String> cycles = cycles(workflow);
      if (cycles.isEmpty()) {
        Conditions.set(status.conditions, "Valid", true, "Valid", "the definition is valid", status.observedGeneration, clock.instant());
      } else {
        status.errors = cycles;
        Conditions.set(status.conditions, "Valid", false, "SubworkflowCycle", String.join("; ", cycles), status.observedGeneration, clock.instant());
      }
    } catch (InvalidDefinitionException e) {
      status.definitionHash = workflow.getSpec() == null ? null : Json.hash(workflow.getSpec());
      status.errors = List.copyOf(e.problems());
      Conditions.set(status.conditions, "Valid", false, "InvalidDefinition", e.getMessage(), status.observedGeneration, clock.instant());
    } catch (RuntimeException e) {
      // A definition the compiler did not foresee: report it rather than retry forever.
      status.errors = List.of("internal error validating the definition: " + e);
      Conditions.set(status.conditions, "Valid", false, "InternalError", status.errors.getFirst(), status.observedGeneration, clock.instant());
    }
    runs(workflow, status);
    if (old == null || !Objects.equals(old.observedGeneration, status.observedGeneration)) {
      // The spec changed, maybe its run strategy: the queued runs look again.
      gate.wake(workflow.getMetadata().getNamespace(), workflow.getMetadata().getName());
    }
    if (old != null && Objects.equals(Json.write(old), Json.write(status))) {
      return UpdateControl.noUpdate();
    }
    writeStatus(context.getClient(), workflow, status);
    return UpdateControl.noUpdate();
  }

  /**
   * Replaces the status, based on the resourceVersion it was computed from and retried on a
   * conflict (this is the status's only writer). Not UpdateControl.patchStatus: without
   * server-side apply that sends a JSON patch diffed against the cached copy, and the aggregate
   * changes often enough for that copy to be stale; a diff of map keys (runs by phase) then comes
   * out as "move" operations the server rejects.
   */
  private static void writeStatus(KubernetesClient client, Workflow workflow, WorkflowStatus status) {
    Workflow current = workflow;
    for (int attempt = 1; ; attempt++) {
      Workflow copy = new Workflow();
      copy.setMetadata(new ObjectMetaBuilder(current.getMetadata()).withManagedFields().build());
      copy.setSpec(current.getSpec());
      copy.setStatus(status);
      try {
        client.resources(Workflow.class).inNamespace(current.getMetadata().getNamespace()).resource(copy).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) return;
        if (e.getCode() != 409 || attempt >= 5) throw e;
      }
      current = client.resources(Workflow.class).inNamespace(workflow.getMetadata().getNamespace()).withName(workflow.getMetadata().getName()).get();
      if (current == null) return;
    }
  }

  /** The aggregate over the workflow's instances; and records each unblock that took effect. */
  private void runs(Workflow workflow, WorkflowStatus status) {
    String ns = workflow.getMetadata().getNamespace();
    List<WorkflowInstance> mine = instances.byIndex(RunGate.BY_WORKFLOW, RunGate.workflowKey(ns, workflow.getMetadata().getName()));
    RunStrategyType strategy = workflow.getSpec() == null ? RunStrategyType.Sequential : workflow.getSpec().runStrategyOrDefault().typeOrDefault();
    WorkflowRuns.aggregate(status, strategy, mine);
    for (WorkflowInstance i : mine) {
      var st = i.getStatus();
      boolean failed = st != null && st.phase != null && st.phase.isFinal() && st.phase != InstancePhase.Succeeded;
      if (failed && i.getSpec().unblockRequested() && !RunGate.isUnblockedRecorded(i)) {
        gate.markUnblocked(i);
      }
    }
  }
}
