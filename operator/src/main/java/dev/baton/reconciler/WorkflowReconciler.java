package dev.baton.reconciler;

import dev.baton.api.Conditions;
import dev.baton.api.Durations;
import dev.baton.api.Json;
import dev.baton.api.RunStrategyType;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowStatus;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.DefinitionCache;
import dev.baton.dag.InvalidDefinitionException;
import dev.baton.dag.SubworkflowCycles;
import dev.baton.runs.RetentionSweeper;
import dev.baton.runs.RunAdmission;
import dev.baton.runs.WorkflowRuns;
import dev.baton.runtime.StatusReplacer;
import dev.baton.scheduler.ScheduleDriver;
import dev.baton.signaltriggers.SignalTriggerLog;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Validates each Workflow and reports Valid=True, or Valid=False with every problem found
 * (including a subworkflow step through which the workflow would call itself); runs its schedules
 * ({@link ScheduleDriver}), waking again for the next scheduled time; deletes the finished
 * instances its retention does not keep ({@link RetentionSweeper}), and is reconciled again when
 * the next one's TTL passes; and keeps its aggregate view of its instances (runs by phase, last
 * run, last success, blockedBy).
 *
 * <p>Instance events reach it through an informer mapping each instance to its Workflow. Rate
 * limited: however many instances change at once, a Workflow is reconciled (and its status written)
 * at most twice a second; the events meanwhile are folded into the next reconcile.
 */
@ControllerConfiguration(name = "workflow")
@RateLimited(maxReconciliations = 2, within = 1, unit = TimeUnit.SECONDS)
public class WorkflowReconciler implements Reconciler<Workflow> {
  private static final int STATUS_ATTEMPTS = 5;
  private final DefinitionCache definitions;
  private final Clock clock;
  private final RunAdmission admission;
  private final RetentionSweeper retention;
  private final StatusReplacer statuses;
  private final ScheduleDriver schedules;
  private final SignalTriggerLog triggers;
  private InformerEventSource<WorkflowInstance, Workflow> instances;

  WorkflowReconciler(
      DefinitionCache definitions,
      Clock clock,
      RunAdmission admission,
      RetentionSweeper retention,
      StatusReplacer statuses,
      ScheduleDriver schedules,
      SignalTriggerLog triggers) {
    this.triggers = triggers;
    this.definitions = definitions;
    this.schedules = schedules;
    this.clock = clock;
    this.admission = admission;
    this.retention = retention;
    this.statuses = statuses;
  }

  @Override
  public List<EventSource<?, Workflow>> prepareEventSources(EventSourceContext<Workflow> context) {
    admission.attachWorkflows(context.getPrimaryCache());
    instances =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(WorkflowInstance.class, Workflow.class)
                .withName("instances")
                .withItemStore(WorkflowRuns.slimStore())
                .withSecondaryToPrimaryMapper((WorkflowInstance i) ->
                    i.getSpec() == null || i.getSpec().workflow == null
                        ? Set.of()
                        : Set.of(
                            new ResourceID(i.getSpec().workflow, i.getMetadata().getNamespace())))
                .build(),
            context);
    instances.addIndexers(Map.of(RunAdmission.BY_WORKFLOW, RunAdmission::workflowIndex));
    return List.of(instances, otherWorkflows(context), triggers.wakeups());
  }

  /**
   * Every Workflow, seen again here so that a change to one re-validates those that call
   * subworkflows: editing, adding or deleting b can close or open the cycle a -> b -> a.
   */
  private InformerEventSource<Workflow, Workflow> others;

  private InformerEventSource<Workflow, Workflow> otherWorkflows(
      EventSourceContext<Workflow> context) {
    IndexerResourceCache<Workflow> primaries = context.getPrimaryCache();
    others =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Workflow.class, Workflow.class)
                .withName("other-workflows")
                // Spec changes only: status writes (this reconciler's own among them) call nothing.
                .withOnUpdateFilter((newer, older) ->
                    !Objects.equals(
                        newer.getMetadata().getGeneration(), older.getMetadata().getGeneration()))
                .withSecondaryToPrimaryMapper(changed ->
                    primaries
                        .list(
                            changed.getMetadata().getNamespace(),
                            w -> !SubworkflowCycles.calls(w.getSpec()).isEmpty())
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

  /**
   * Validates the definition, aggregates the runs, and writes the status when it changed. The
   * status is replaced, based on the resourceVersion it was computed from and retried on a conflict
   * (this is its only writer), not sent as UpdateControl.patchStatus: see {@link StatusReplacer}.
   * The aggregate changes often enough for the cached copy to be stale.
   */
  @Override
  public UpdateControl<Workflow> reconcile(Workflow workflow, Context<Workflow> context) {
    WorkflowStatus old = workflow.getStatus();
    WorkflowStatus status = validate(workflow);
    // The schedules create their due runs before the status that records them is written.
    Duration wake = schedules.drive(workflow, invalidReason(status), status);
    RetentionSweeper.Sweep swept = retention.sweep(workflow, runsOf(workflow));
    List<WorkflowInstance> runs = swept.remaining();
    status.retention = retention.status(workflow, swept, old == null ? null : old.retention);
    WorkflowRuns.aggregate(status, old, strategy(workflow), runs);
    status.signalTriggers = triggers.statusOf(workflow, clock.instant());
    admission.recordUnblocks(runs);
    if (old == null || !Objects.equals(old.observedGeneration, status.observedGeneration)) {
      // The spec changed, maybe its run strategy: the queued runs look again.
      admission.wake(workflow.getMetadata().getNamespace(), workflow.getMetadata().getName());
    }
    if (old == null || !Objects.equals(Json.write(old), Json.write(status))) {
      Workflow written =
          statuses.replace(
              workflow,
              current -> {
                // What carries over from the status before (retention's count, a lastRun or
                // lastSuccess whose instance is gone) comes from the newest: the cached one may
                // lag behind.
                WorkflowStatus now = current.getStatus();
                status.retention =
                    retention.status(current, swept, now == null ? null : now.retention);
                WorkflowRuns.aggregate(status, now, strategy(workflow), runs);
                return status;
              },
              STATUS_ATTEMPTS);
      if (written != null) retention.written(workflow, status.retention);
    }
    return reconcileAgain(Durations.earliest(Optional.ofNullable(wake), swept.wakeAfter()));
  }

  /** No update; and a reconcile again after {@code after} when present. */
  private static UpdateControl<Workflow> reconcileAgain(Optional<Duration> after) {
    UpdateControl<Workflow> control = UpdateControl.noUpdate();
    return after.isPresent() ? control.rescheduleAfter(after.get()) : control;
  }

  /** The Valid condition's message when it is False, else null. */
  private static String invalidReason(WorkflowStatus status) {
    var valid = Conditions.find(status.conditions, Conditions.VALID);
    return valid == null || Conditions.TRUE.equals(valid.getStatus()) ? null : valid.getMessage();
  }

  /** A new status for {@code workflow} with its Valid condition, its step count and its hash. */
  private WorkflowStatus validate(Workflow workflow) {
    WorkflowStatus old = workflow.getStatus();
    WorkflowStatus status = new WorkflowStatus();
    status.conditions =
        old == null || old.conditions == null ? new ArrayList<>() : new ArrayList<>(old.conditions);
    status.observedGeneration = workflow.getMetadata().getGeneration();
    status.stepCount =
        workflow.getSpec() == null || workflow.getSpec().steps == null
            ? 0
            : workflow.getSpec().steps.size();
    try {
      CompiledWorkflow compiled = definitions.compile(workflow.getSpec());
      status.definitionHash = compiled.hash();
      List<String> cycles = cycles(workflow);
      if (cycles.isEmpty()) {
        Conditions.set(
            status.conditions,
            Conditions.VALID,
            true,
            "Valid",
            "the definition is valid",
            status.observedGeneration,
            clock.instant());
      } else {
        status.errors = cycles;
        Conditions.set(
            status.conditions,
            Conditions.VALID,
            false,
            "SubworkflowCycle",
            String.join("; ", cycles),
            status.observedGeneration,
            clock.instant());
      }
    } catch (InvalidDefinitionException e) {
      status.definitionHash = workflow.getSpec() == null ? null : Json.hash(workflow.getSpec());
      status.errors = List.copyOf(e.problems());
      Conditions.set(
          status.conditions,
          Conditions.VALID,
          false,
          "InvalidDefinition",
          e.getMessage(),
          status.observedGeneration,
          clock.instant());
    } catch (RuntimeException e) {
      // A definition the compiler did not foresee: report it rather than retry forever.
      status.errors = List.of("internal error validating the definition: " + e);
      Conditions.set(
          status.conditions,
          Conditions.VALID,
          false,
          "InternalError",
          status.errors.getFirst(),
          status.observedGeneration,
          clock.instant());
    }
    return status;
  }

  /** The workflow's instances, as the slim copies of the instance informer. */
  private List<WorkflowInstance> runsOf(Workflow workflow) {
    String ns = workflow.getMetadata().getNamespace();
    return instances.byIndex(
        RunAdmission.BY_WORKFLOW, RunAdmission.workflowKey(ns, workflow.getMetadata().getName()));
  }

  private static RunStrategyType strategy(Workflow workflow) {
    return workflow.getSpec() == null
        ? RunStrategyType.Sequential
        : workflow.getSpec().runStrategyOrDefault().typeOrDefault();
  }
}
