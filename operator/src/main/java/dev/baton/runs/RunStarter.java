package dev.baton.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
import dev.baton.api.RunStrategy;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.api.WorkflowSpec;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.DefinitionCache;
import dev.baton.dag.InvalidDefinitionException;
import dev.baton.dag.ParamResolver;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceFlow;
import dev.baton.flow.InstanceKey;
import dev.baton.runtime.EventRecorder;
import dev.baton.runtime.KubernetesRuntime;
import dev.baton.runtime.StatusWriter;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Gives an instance its actor. A run waiting to start (a new one, or a restarted one) first asks
 * the {@link RunAdmission} whether the Workflow's run strategy lets it start now; if not it shows
 * phase Queued, or ends Stopped (FirstOnly, LastOnly). A new run pins the definition into the
 * status before any step starts; a restarted run starts from the status its restart wrote; a run
 * already under way (an operator restart) is rebuilt from the status and the Jobs that exist.
 */
final class RunStarter {
  /** Job labels carry the instance name, and a label value has at most 63 characters. */
  static final int MAX_NAME = 63;

  /** What became of the attempt to give an instance an actor. */
  sealed interface Outcome {
    record Started(FlowActor actor) implements Outcome {}

    /** The Workflow does not exist (yet): the instance waits, Pending. */
    record Waiting(String why) implements Outcome {}

    /** The run waits its turn under the Workflow's run strategy, phase Queued. */
    record Queued(String why) implements Outcome {}

    /** The run could not start, or ended without starting; its status now says why. */
    record Rejected() implements Outcome {}
  }

  private final KubernetesClient client;
  private final DefinitionCache definitions;
  private final FlowEngine engine;
  private final KubernetesRuntime runtime;
  private final StatusWriter status;
  private final EventRecorder events;
  private final RunAdmission admission;

  RunStarter(
      KubernetesClient client,
      DefinitionCache definitions,
      FlowEngine engine,
      KubernetesRuntime runtime,
      StatusWriter status,
      EventRecorder events,
      RunAdmission admission) {
    this.admission = admission;
    this.client = client;
    this.definitions = definitions;
    this.engine = engine;
    this.runtime = runtime;
    this.status = status;
    this.events = events;
  }

  Outcome start(WorkflowInstance instance, Map<String, Integer> launchedAttempts) {
    WorkflowInstanceStatus current = instance.getStatus();
    boolean pinned = current != null && current.definition != null;
    if (pinned && !RunAdmission.isWaiting(current)) {
      return resume(instance, current, launchedAttempts);
    }
    // From here on the run waits to start: a new one, or a restarted one.
    String name = instance.getMetadata().getName();
    if (name.length() > MAX_NAME) {
      return reject(
          instance,
          "InvalidName",
          List.of("metadata.name: at most " + MAX_NAME + " characters, since Job labels carry it"));
    }
    String ns = instance.getMetadata().getNamespace();
    String wfName = instance.getSpec() == null ? null : instance.getSpec().workflow;
    if (wfName == null) {
      return reject(instance, "InvalidSpec", List.of("spec.workflow: required"));
    }
    Optional<String> tooDeep = ChildRuns.tooDeep(instance);
    if (tooDeep.isPresent()) return reject(instance, "SubworkflowTooDeep", List.of(tooDeep.get()));
    if (instance.getSpec().stopRequested()) {
      return end(instance, InstancePhase.Stopped, "stopped before it started");
    }
    // The cached Workflow, when the workflow controller has it: a queued run is looked at again
    // each time the queue moves, and that must not cost an API call each.
    Workflow workflow = admission.cachedWorkflow(ns, wfName);
    if (workflow == null)
      workflow = client.resources(Workflow.class).inNamespace(ns).withName(wfName).get();
    RunStrategy strategy;
    if (pinned) {
      // A restart keeps its pinned definition; the strategy is the Workflow's, or the pinned one's
      // when the Workflow is gone.
      strategy =
          workflow != null ? workflow.getSpec().runStrategyOrDefault() : pinnedStrategy(current);
      return admit(instance, strategy, () -> restart(instance, current));
    }
    if (workflow == null) {
      return waiting(
          instance,
          "workflow \"" + wfName + "\" not found in namespace " + ns + "; waiting for it");
    }
    CompiledWorkflow compiled;
    Map<String, JsonNode> params;
    try {
      compiled = definitions.compile(workflow.getSpec());
    } catch (InvalidDefinitionException e) {
      return reject(
          instance,
          "InvalidDefinition",
          List.of("workflow \"" + wfName + "\" is invalid: " + String.join("; ", e.problems())));
    }
    try {
      params =
          ParamResolver.resolve(
              compiled.params(), ChildRuns.suppliedParams(compiled.params(), instance));
    } catch (InvalidDefinitionException e) {
      return reject(instance, "InvalidParams", e.problems());
    }
    Workflow admittedWorkflow = workflow;
    return admit(
        instance,
        workflow.getSpec().runStrategyOrDefault(),
        () -> fresh(instance, admittedWorkflow, compiled, params));
  }

  private static RunStrategy pinnedStrategy(WorkflowInstanceStatus current) {
    try {
      return Json.fromTree(current.definition, WorkflowSpec.class).runStrategyOrDefault();
    } catch (IllegalArgumentException e) {
      return new RunStrategy(); // restart() reports the broken definition
    }
  }

  /** Asks admission; starts the run only when it may start now. */
  private Outcome admit(
      WorkflowInstance instance,
      RunStrategy strategy,
      java.util.function.Supplier<Outcome> startIt) {
    if (startedByItsParent(instance)) {
      // A subworkflow's child run is a step of its parent's run, paced by the parent's own
      // strategy and stepConcurrency; queueing it behind its workflow's other runs could deadlock
      // (a workflow that calls itself would wait for its own end).
      return startIt.get();
    }
    RunStrategyRules.Decision decision = admission.decide(instance, strategy);
    switch (decision) {
      case RunStrategyRules.Decision.Drop drop -> {
        return end(instance, InstancePhase.Stopped, drop.message());
      }
      case RunStrategyRules.Decision.Queue queue -> {
        stopOthers(instance, queue.stop());
        return queued(instance, queue);
      }
      case RunStrategyRules.Decision.Admit admit -> {
        stopOthers(instance, admit.stop());
        Outcome outcome;
        try {
          outcome = startIt.get();
        } catch (RuntimeException e) {
          admission.release(instance);
          throw e;
        }
        if (!(outcome instanceof Outcome.Started)) admission.release(instance);
        return outcome;
      }
    }
  }

  /**
   * Whether a subworkflow step of an existing instance created this one: its controller owner
   * reference is a WorkflowInstance that exists with that UID. Not the parent label, which anyone
   * who may create an instance can set: a run a user labelled so is a run like any other, under its
   * Workflow's run strategy.
   */
  private boolean startedByItsParent(WorkflowInstance instance) {
    var ref = dev.baton.runtime.Children.parentRef(instance);
    if (ref.isEmpty() || ref.get().getUid() == null) return false;
    String ns = instance.getMetadata().getNamespace();
    String name = ref.get().getName();
    // The parent created the child, so the cache holds it; a read is for a cache not ready yet.
    WorkflowInstance parent = name == null ? null : admission.cachedInstance(ns, name);
    if (parent == null && name != null)
      parent = client.resources(WorkflowInstance.class).inNamespace(ns).withName(name).get();
    return parent != null && ref.get().getUid().equals(parent.getMetadata().getUid());
  }

  /** LastOnly: the older unfinished runs are stopped as a user would, by spec.stop. */
  private void stopOthers(WorkflowInstance instance, List<String> names) {
    for (String other : names) {
      try {
        client
            .resources(WorkflowInstance.class)
            .inNamespace(instance.getMetadata().getNamespace())
            .withName(other)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"stop\":true}}");
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) throw e;
      }
    }
  }

  private Outcome fresh(
      WorkflowInstance instance,
      Workflow workflow,
      CompiledWorkflow compiled,
      Map<String, JsonNode> params) {
    String name = instance.getMetadata().getName();
    InstanceKey key = new InstanceKey(instance.getMetadata().getNamespace(), name);
    JsonNode definition = Json.toTree(workflow.getSpec());
    InstanceFlow flow = new InstanceFlow(name, compiled, definition, params);
    // Pin first: once this write lands, editing or deleting the Workflow cannot change the run.
    WorkflowInstanceStatus pinned = flow.snapshot();
    WorkflowInstance written = status.write(instance, pinned);
    if (written == null) return new Outcome.Rejected();
    FlowActor actor = engine.getOrCreate(key, () -> flow);
    runtime.track(actor, written);
    actor.tell(new FlowEvent.Start(engine.clock().instant()));
    return new Outcome.Started(actor);
  }

  /**
   * Starts a restarted run from the status the restart action wrote: the engine takes it as a run
   * that has not started (it never sees Queued), keeps the steps the status keeps, and launches the
   * rest.
   */
  private Outcome restart(WorkflowInstance instance, WorkflowInstanceStatus current) {
    String name = instance.getMetadata().getName();
    CompiledWorkflow compiled = pinned(instance, current);
    if (compiled == null) return new Outcome.Rejected();
    WorkflowInstanceStatus start = Json.copy(current);
    start.phase = InstancePhase.Pending;
    start.message = null;
    if (Conditions.find(start.conditions, Conditions.QUEUED) != null) {
      Conditions.set(
          start.conditions,
          Conditions.QUEUED,
          false,
          "Started",
          "its turn came",
          instance.getMetadata().getGeneration(),
          engine.clock().instant());
    }
    Map<String, JsonNode> params =
        start.params == null ? Map.of() : new LinkedHashMap<>(start.params);
    InstanceFlow flow = new InstanceFlow(name, compiled, start.definition, params);
    flow.restore(start);
    InstanceKey key = new InstanceKey(instance.getMetadata().getNamespace(), name);
    FlowActor actor = engine.getOrCreate(key, () -> flow);
    runtime.track(actor, instance);
    actor.tell(new FlowEvent.Start(engine.clock().instant()));
    return new Outcome.Started(actor);
  }

  /** Writes phase Queued and why, unless the status says so already. */
  private Outcome queued(WorkflowInstance instance, RunStrategyRules.Decision.Queue queue) {
    WorkflowInstanceStatus st =
        instance.getStatus() == null ? new WorkflowInstanceStatus() : instance.getStatus();
    Condition c = Conditions.find(st.conditions, Conditions.QUEUED);
    boolean same =
        st.phase == InstancePhase.Queued
            && queue.message().equals(st.message)
            && c != null
            && Conditions.TRUE.equals(c.getStatus())
            && queue.reason().equals(c.getReason());
    if (!same) {
      st.phase = InstancePhase.Queued;
      st.message = queue.message();
      Conditions.set(
          st.conditions,
          Conditions.QUEUED,
          true,
          queue.reason(),
          queue.message(),
          instance.getMetadata().getGeneration(),
          engine.clock().instant());
      status.write(instance, st);
    }
    return new Outcome.Queued(queue.message());
  }

  /** Ends a run that never started (dropped, or stopped while it waited). */
  private Outcome end(WorkflowInstance instance, InstancePhase phase, String why) {
    Instant now = engine.clock().instant();
    WorkflowInstanceStatus st =
        instance.getStatus() == null ? new WorkflowInstanceStatus() : instance.getStatus();
    st.phase = phase;
    st.message = why;
    st.endTime = now.toString();
    Long gen = instance.getMetadata().getGeneration();
    if (Conditions.find(st.conditions, Conditions.QUEUED) != null) {
      Conditions.set(st.conditions, Conditions.QUEUED, false, "Ended", why, gen, now);
    }
    Conditions.set(st.conditions, Conditions.COMPLETED, true, phase.name(), why, gen, now);
    WorkflowInstance written;
    try {
      written = status.write(instance, st);
    } catch (RuntimeException e) {
      admission.endedWith(instance, null); // not ended after all: the retry decides again
      throw e;
    }
    admission.endedWith(instance, phase);
    if (written != null) {
      events.record(written, EventRecorder.Type.Normal, EventRecorder.Reason.Stopped, why);
    }
    return new Outcome.Rejected();
  }

  /**
   * The definition the run pinned, compiled; or null, the run rejected with the reason, when it no
   * longer compiles (a newer operator may be stricter than the one that pinned it).
   */
  private CompiledWorkflow pinned(WorkflowInstance instance, WorkflowInstanceStatus current) {
    try {
      return definitions.compile(Json.fromTree(current.definition, WorkflowSpec.class));
    } catch (InvalidDefinitionException | IllegalArgumentException e) {
      reject(
          instance,
          "InvalidDefinition",
          List.of("the pinned definition no longer compiles: " + e.getMessage()));
      return null;
    }
  }

  /** A run already under way when this process started: rebuilt from its status and its Jobs. */
  private Outcome resume(
      WorkflowInstance instance, WorkflowInstanceStatus current, Map<String, Integer> launched) {
    String name = instance.getMetadata().getName();
    CompiledWorkflow compiled = pinned(instance, current);
    if (compiled == null) return new Outcome.Rejected();
    Map<String, JsonNode> params =
        current.params == null ? Map.of() : new LinkedHashMap<>(current.params);
    InstanceFlow flow = new InstanceFlow(name, compiled, current.definition, params);
    flow.restore(current);
    InstanceKey key = new InstanceKey(instance.getMetadata().getNamespace(), name);
    FlowActor actor = engine.getOrCreate(key, () -> flow);
    runtime.track(actor, instance);
    actor.tell(new FlowEvent.Resume(launched, engine.clock().instant()));
    return new Outcome.Started(actor);
  }

  private Outcome waiting(WorkflowInstance instance, String why) {
    WorkflowInstanceStatus st =
        instance.getStatus() == null ? new WorkflowInstanceStatus() : instance.getStatus();
    if (st.phase == InstancePhase.Pending && why.equals(st.message)) {
      return new Outcome.Waiting(why);
    }
    st.phase = InstancePhase.Pending;
    st.message = why;
    Conditions.set(
        st.conditions,
        "WorkflowFound",
        false,
        "WorkflowNotFound",
        why,
        instance.getMetadata().getGeneration(),
        engine.clock().instant());
    status.write(instance, st);
    return new Outcome.Waiting(why);
  }

  private Outcome reject(WorkflowInstance instance, String reason, List<String> problems) {
    Instant now = engine.clock().instant();
    WorkflowInstanceStatus st =
        instance.getStatus() == null ? new WorkflowInstanceStatus() : instance.getStatus();
    String message = String.join("; ", problems);
    st.phase = InstancePhase.Failed;
    st.message = message;
    if (st.startTime == null) st.startTime = now.toString();
    st.endTime = now.toString();
    Long gen = instance.getMetadata().getGeneration();
    Conditions.set(st.conditions, Conditions.VALID, false, reason, message, gen, now);
    Conditions.set(st.conditions, Conditions.COMPLETED, true, "Failed", message, gen, now);
    WorkflowInstance written = status.write(instance, st);
    admission.endedWith(instance, InstancePhase.Failed);
    if (written != null) {
      events.record(
          written, EventRecorder.Type.Warning, EventRecorder.Reason.InvalidDefinition, message);
    }
    return new Outcome.Rejected();
  }
}
