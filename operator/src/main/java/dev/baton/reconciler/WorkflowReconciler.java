package dev.baton.reconciler;

import dev.baton.api.Conditions;
import dev.baton.api.Json;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowStatus;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.DefinitionCache;
import dev.baton.dag.InvalidDefinitionException;
import dev.baton.dag.SubworkflowCycles;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Validates each Workflow and reports Valid=True, or Valid=False with every problem found,
 * including a subworkflow step through which the workflow would call itself.
 */
@ControllerConfiguration(name = "workflow")
public class WorkflowReconciler implements Reconciler<Workflow> {
  private final DefinitionCache definitions;
  private final Clock clock;

  public WorkflowReconciler(DefinitionCache definitions, Clock clock) {
    this.definitions = definitions;
    this.clock = clock;
  }

  /**
   * Every Workflow, seen again here so that a change to one re-validates those that call
   * subworkflows: editing, adding or deleting b can close or open the cycle a -> b -> a.
   */
  private InformerEventSource<Workflow, Workflow> others;

  @Override
  public List<EventSource<?, Workflow>> prepareEventSources(EventSourceContext<Workflow> context) {
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
    return List.of(others);
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
    if (old != null && Objects.equals(Json.write(old), Json.write(status))) {
      return UpdateControl.noUpdate();
    }
    workflow.setStatus(status);
    return UpdateControl.patchStatus(workflow);
  }
}
