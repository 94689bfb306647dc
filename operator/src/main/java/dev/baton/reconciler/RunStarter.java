package dev.baton.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Json;
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
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Gives an instance its actor: for a new run, pins the definition into the status before any step
 * starts; for a run already under way (an operator restart), rebuilds the engine's state from the
 * status and the Jobs that exist.
 */
final class RunStarter {
  /** Job labels carry the instance name, and a label value has at most 63 characters. */
  static final int MAX_NAME = 63;

  /** What became of the attempt to give an instance an actor. */
  sealed interface Outcome {
    record Started(FlowActor actor) implements Outcome {}

    /** The Workflow does not exist (yet): the instance waits, Pending. */
    record Waiting(String why) implements Outcome {}

    /** The run could not start; its status now says why. */
    record Rejected() implements Outcome {}
  }

  private final KubernetesClient client;
  private final DefinitionCache definitions;
  private final FlowEngine engine;
  private final KubernetesRuntime runtime;
  private final StatusWriter status;
  private final EventRecorder events;

  RunStarter(
      KubernetesClient client,
      DefinitionCache definitions,
      FlowEngine engine,
      KubernetesRuntime runtime,
      StatusWriter status,
      EventRecorder events) {
    this.client = client;
    this.definitions = definitions;
    this.engine = engine;
    this.runtime = runtime;
    this.status = status;
    this.events = events;
  }

  Outcome start(WorkflowInstance instance, Map<String, Integer> launchedAttempts) {
    WorkflowInstanceStatus current = instance.getStatus();
    if (current != null && current.definition != null) {
      if (waitingToStart(current)) return startPinned(instance, current);
      return resume(instance, current, launchedAttempts);
    }
    String name = instance.getMetadata().getName();
    if (name.length() > MAX_NAME) {
      return reject(instance, "InvalidName", List.of("metadata.name: at most " + MAX_NAME + " characters, since Job labels carry it"));
    }
    String ns = instance.getMetadata().getNamespace();
    String wfName = instance.getSpec() == null ? null : instance.getSpec().workflow;
    if (wfName == null) {
      return reject(instance, "InvalidSpec", List.of("spec.workflow: required"));
    }
    Optional<String> tooDeep = ChildRuns.tooDeep(instance);
    if (tooDeep.isPresent()) return reject(instance, "SubworkflowTooDeep", List.of(tooDeep.get()));
    Workflow workflow = client.resources(Workflow.class).inNamespace(ns).withName(wfName).get();
    if (workflow == null) {
      return waiting(instance, "workflow \"" + wfName + "\" not found in namespace " + ns + "; waiting for it");
    }
    CompiledWorkflow compiled;
    Map<String, JsonNode> params;
    try {
      compiled = definitions.compile(workflow.getSpec());
    } catch (InvalidDefinitionException e) {
      return reject(instance, "InvalidDefinition", List.of("workflow \"" + wfName + "\" is invalid: " + String.join("; ", e.problems())));
    }
    try {
      params = ParamResolver.resolve(compiled.params(), ChildRuns.suppliedParams(compiled.params(), instance));
    } catch (InvalidDefinitionException e) {
      return reject(instance, "InvalidParams", e.problems());
    }
    InstanceKey key = new InstanceKey(ns, name);
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
   * A pinned run that has not started: a restarted run (contract 2), or a new run pinned just
   * before an operator restart. Resuming it would arm the workflow timeout from a start time it
   * does not have; it is started instead, from the steps its status keeps.
   */
  private static boolean waitingToStart(WorkflowInstanceStatus current) {
    return current.phase == null || current.phase == InstancePhase.Pending || current.phase == InstancePhase.Queued;
  }

  /** Starts a pinned run: restore then Start. The engine never sees Queued (contract 3). */
  private Outcome startPinned(WorkflowInstance instance, WorkflowInstanceStatus current) {
    String name = instance.getMetadata().getName();
    CompiledWorkflow compiled;
    try {
      compiled = definitions.compile(Json.fromTree(current.definition, WorkflowSpec.class));
    } catch (InvalidDefinitionException | IllegalArgumentException e) {
      return reject(instance, "InvalidDefinition", List.of("the pinned definition no longer compiles: " + e.getMessage()));
    }
    Map<String, JsonNode> params = current.params == null ? Map.of() : new LinkedHashMap<>(current.params);
    InstanceFlow flow = new InstanceFlow(name, compiled, current.definition, params);
    WorkflowInstanceStatus pending = Json.fromTree(Json.toTree(current), WorkflowInstanceStatus.class);
    pending.phase = InstancePhase.Pending;
    flow.restore(pending);
    InstanceKey key = new InstanceKey(instance.getMetadata().getNamespace(), name);
    FlowActor actor = engine.getOrCreate(key, () -> flow);
    runtime.track(actor, instance);
    actor.tell(new FlowEvent.Start(engine.clock().instant()));
    return new Outcome.Started(actor);
  }

  private Outcome resume(WorkflowInstance instance, WorkflowInstanceStatus current, Map<String, Integer> launched) {
    String name = instance.getMetadata().getName();
    CompiledWorkflow compiled;
    try {
      compiled = definitions.compile(Json.fromTree(current.definition, WorkflowSpec.class));
    } catch (InvalidDefinitionException | IllegalArgumentException e) {
      return reject(instance, "InvalidDefinition", List.of("the pinned definition no longer compiles: " + e.getMessage()));
    }
    Map<String, JsonNode> params = current.params == null ? Map.of() : new LinkedHashMap<>(current.params);
    InstanceFlow flow = new InstanceFlow(name, compiled, current.definition, params);
    flow.restore(current);
    InstanceKey key = new InstanceKey(instance.getMetadata().getNamespace(), name);
    FlowActor actor = engine.getOrCreate(key, () -> flow);
    runtime.track(actor, instance);
    actor.tell(new FlowEvent.Resume(launched, engine.clock().instant()));
    return new Outcome.Started(actor);
  }

  private Outcome waiting(WorkflowInstance instance, String why) {
    WorkflowInstanceStatus st = instance.getStatus() == null ? new WorkflowInstanceStatus() : instance.getStatus();
    if (st.phase == InstancePhase.Pending && why.equals(st.message)) {
      return new Outcome.Waiting(why);
    }
    st.phase = InstancePhase.Pending;
    st.message = why;
    Conditions.set(st.conditions, "WorkflowFound", false, "WorkflowNotFound", why, instance.getMetadata().getGeneration(), engine.clock().instant());
    status.write(instance, st);
    return new Outcome.Waiting(why);
  }

  private Outcome reject(WorkflowInstance instance, String reason, List<String> problems) {
    Instant now = engine.clock().instant();
    WorkflowInstanceStatus st = instance.getStatus() == null ? new WorkflowInstanceStatus() : instance.getStatus();
    String message = String.join("; ", problems);
    st.phase = InstancePhase.Failed;
    st.message = message;
    if (st.startTime == null) st.startTime = now.toString();
    st.endTime = now.toString();
    Long gen = instance.getMetadata().getGeneration();
    Conditions.set(st.conditions, "Valid", false, reason, message, gen, now);
    Conditions.set(st.conditions, "Completed", true, "Failed", message, gen, now);
    WorkflowInstance written = status.write(instance, st);
    if (written != null) {
      events.record(written, EventRecorder.Type.Warning, EventRecorder.Reason.InvalidDefinition, message);
    }
    return new Outcome.Rejected();
  }
}
