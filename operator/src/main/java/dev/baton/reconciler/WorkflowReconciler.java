package dev.baton.reconciler;

import dev.baton.api.Conditions;
import dev.baton.api.Json;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowStatus;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.DefinitionCache;
import dev.baton.dag.InvalidDefinitionException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Validates each Workflow and reports Valid=True, or Valid=False with every problem found. */
@ControllerConfiguration(name = "workflow")
public class WorkflowReconciler implements Reconciler<Workflow> {
  private final DefinitionCache definitions;
  private final Clock clock;

  public WorkflowReconciler(DefinitionCache definitions, Clock clock) {
    this.definitions = definitions;
    this.clock = clock;
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
      Conditions.set(status.conditions, "Valid", true, "Valid", "the definition is valid", status.observedGeneration, clock.instant());
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
