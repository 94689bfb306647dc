package dev.baton.runs;

import dev.baton.api.Conditions;
import dev.baton.api.Json;
import dev.baton.api.RestartRequest;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.api.WorkflowSpec;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.DefinitionCache;
import dev.baton.dag.InvalidDefinitionException;
import dev.baton.flow.Restarts;
import dev.baton.flow.StepPath;
import dev.baton.runtime.Children;
import dev.baton.runtime.EventRecorder;
import dev.baton.runtime.Labels;
import dev.baton.runtime.StatusWriter;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.Map;

/**
 * Carries out {@code spec.restart}: a finished instance whose spec asks for the next run gets that
 * run's status ({@link Restarts#apply}), phase Queued, for {@link RunStarter} to start. A request
 * that cannot be applied leaves the instance as it is, with a RestartPending condition and a
 * Warning event saying why; a request already applied is ignored.
 *
 * <p>The status is written once per decision ({@link StatusWriter#writeOnce}), not with the retries
 * of a run's writes, which never overwrite a final status: taking a final status back to Queued is
 * exactly what a restart does. The write is guarded by the resourceVersion the decision was made
 * on; on a conflict the decision is made again on a fresh read, so a request is applied once even
 * when the informer's copy lags behind.
 */
final class RestartAction {
  private static final int ATTEMPTS = 5;

  /** What to do about an instance's restart request. */
  sealed interface Decision {
    record None() implements Decision {}

    /** The run is not over yet; the request waits for it. */
    record Wait(String message) implements Decision {}

    record Refuse(String message) implements Decision {}

    record Apply(WorkflowInstanceStatus next, String summary) implements Decision {}
  }

  private final KubernetesClient client;
  private final StatusWriter status;
  private final DefinitionCache definitions;
  private final EventRecorder events;
  private final Clock clock;

  /** Requests already warned about while their run goes on, "uid/run": one event each. */
  private final Map<String, Boolean> warned = Remembered.upTo(10_000);

  RestartAction(
      KubernetesClient client,
      StatusWriter status,
      DefinitionCache definitions,
      EventRecorder events,
      Clock clock) {
    this.client = client;
    this.status = status;
    this.definitions = definitions;
    this.events = events;
    this.clock = clock;
  }

  /**
   * For an instance with no actor: applies its restart request if it asks for one. Returns the
   * instance as written with the new run's status, or null when no new run was made.
   */
  WorkflowInstance restartIfAsked(WorkflowInstance instance) {
    WorkflowInstance current = instance;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Decision decision = decide(current);
      try {
        switch (decision) {
          case Decision.None none -> {
            // Read again after a conflict, the request may turn out applied already: by this
            // process, from a cache that had not yet seen its own write. That run waits to start,
            // and nothing else will bring it to the driver again: hand it over now.
            return current != instance
                    && current.getStatus() != null
                    && RunAdmission.isWaiting(current.getStatus())
                ? current
                : null;
          }
          case Decision.Wait wait -> {
            warnOnce(current, wait.message());
            return null;
          }
          case Decision.Refuse refuse -> {
            WorkflowInstanceStatus st = Json.copy(current.getStatus());
            if (!setPending(current, st, refuse.message())) return null;
            WorkflowInstance written = status.writeOnce(current, st);
            if (written != null) {
              events.record(
                  written,
                  EventRecorder.Type.Warning,
                  EventRecorder.Reason.RestartPending,
                  refuse.message());
            }
            return null;
          }
          case Decision.Apply apply -> {
            deleteRerunIterations(current, apply.next());
            WorkflowInstance written = status.writeOnce(current, apply.next());
            if (written != null) {
              events.record(
                  written,
                  EventRecorder.Type.Normal,
                  EventRecorder.Reason.Restarted,
                  apply.summary());
            }
            return written;
          }
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == ATTEMPTS) throw e;
        current = status.reread(instance);
        if (current == null) return null;
      }
    }
    return null;
  }

  /**
   * For an instance whose run is under way, or looks so in a lagging cache: true when its restart
   * request waits for the run to end, which is said once, in an event.
   */
  boolean waiting(WorkflowInstance instance) {
    if (!(decide(instance) instanceof Decision.Wait wait)) return false;
    warnOnce(instance, wait.message());
    return true;
  }

  Decision decide(WorkflowInstance instance) {
    RestartRequest req = instance.getSpec() == null ? null : instance.getSpec().restart;
    if (req == null || req.run == null) return new Decision.None();
    WorkflowInstanceStatus st = instance.getStatus();
    int run = Restarts.run(st);
    if (req.run <= run) return new Decision.None();
    if (st == null || st.phase == null || !st.phase.isFinal()) {
      return new Decision.Wait(Restarts.refusal(st, req, null));
    }
    if (req.run != run + 1) {
      return new Decision.Refuse(Restarts.refusal(st, req, null));
    }
    if (instance.getSpec().stopRequested()) {
      // The CRD lets stop go back to false only with a restart of a higher run than before, so a
      // request already in the spec is first removed, then asked again together with stop: false.
      return new Decision.Refuse(
          "spec.stop is still true: remove this restart ({\"spec\":{\"restart\":null}}), then ask again with stop"
              + " set back to false in the same patch ({\"spec\":{\"stop\":false,\"restart\":{\"run\":"
              + req.run
              + "}}})");
    }
    if (st.definition == null) {
      return new Decision.Refuse(
          "run "
              + run
              + " ended before it pinned a definition ("
              + st.message
              + "): there is nothing to restart;"
              + " create a new instance once the Workflow is fixed");
    }
    CompiledWorkflow wf;
    try {
      wf = definitions.compile(Json.fromTree(st.definition, WorkflowSpec.class));
    } catch (InvalidDefinitionException | IllegalArgumentException e) {
      return new Decision.Refuse("the pinned definition no longer compiles: " + e.getMessage());
    }
    String refused = Restarts.refusal(st, req, wf);
    if (refused != null) return new Decision.Refuse(refused);
    WorkflowInstanceStatus next = Restarts.apply(st, req, wf, clock.instant());
    return new Decision.Apply(
        next,
        "run "
            + req.run
            + " from "
            + Restarts.describe(req)
            + " (run "
            + run
            + " "
            + st.phase
            + ")");
  }

  /** Sets RestartPending; false when it already says just this, so nothing needs writing. */
  private boolean setPending(WorkflowInstance instance, WorkflowInstanceStatus st, String message) {
    Condition existing = Conditions.find(st.conditions, Restarts.RESTART_PENDING);
    if (existing != null && message.equals(existing.getMessage())) return false;
    Conditions.set(
        st.conditions,
        Restarts.RESTART_PENDING,
        true,
        "Refused",
        message,
        instance.getMetadata().getGeneration(),
        clock.instant());
    return true;
  }

  private void warnOnce(WorkflowInstance instance, String message) {
    String key = instance.getMetadata().getUid() + "/" + instance.getSpec().restart.run;
    if (warned.putIfAbsent(key, Boolean.TRUE) == null) {
      events.record(
          instance, EventRecorder.Type.Warning, EventRecorder.Reason.RestartPending, message);
    }
  }

  /**
   * Deletes the earlier run's Jobs, Pods and child instances of loop iterations that run again (see
   * {@link Restarts#rerunsIteration}), before the new run can start: their names would be taken
   * again, an AlreadyExists would be read as a launch, and their outcomes as the new attempts' (the
   * Pods too: they outlive a background deletion of their Job until the garbage collector comes).
   * Their logs go with them; the run's record stays in the history. The driver starts the run only
   * once the informers no longer hold any of them ({@link #rerun}).
   */
  private void deleteRerunIterations(WorkflowInstance instance, WorkflowInstanceStatus next) {
    String ns = instance.getMetadata().getNamespace();
    String name = instance.getMetadata().getName();
    var jobs =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .withLabel(Labels.INSTANCE, name)
            .list()
            .getItems();
    for (var job : jobs) {
      if (rerun(job, next))
        client.resource(job).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    }
    var pods = client.pods().inNamespace(ns).withLabel(Labels.INSTANCE, name).list().getItems();
    for (var pod : pods) {
      if (rerun(pod, next)) client.resource(pod).delete();
    }
    var children =
        client
            .resources(WorkflowInstance.class)
            .inNamespace(ns)
            .withLabel(Labels.PARENT, name)
            .list()
            .getItems();
    for (var child : children) {
      if (rerun(child, next)) deleteTree(child);
    }
  }

  /**
   * Deletes a child instance and, first, what the garbage collector would delete after it: its
   * Jobs, their Pods and its own children. They cannot wait for it: the iteration's next child
   * takes this one's name, and its Jobs and children these ones' names.
   */
  private void deleteTree(WorkflowInstance child) {
    String ns = child.getMetadata().getNamespace();
    String name = child.getMetadata().getName();
    var grandchildren =
        client
            .resources(WorkflowInstance.class)
            .inNamespace(ns)
            .withLabel(Labels.PARENT, name)
            .list()
            .getItems();
    for (var c : Children.ownedBy(child, grandchildren)) deleteTree(c);
    client.batch().v1().jobs().inNamespace(ns).withLabel(Labels.INSTANCE, name).delete();
    client.pods().inNamespace(ns).withLabel(Labels.INSTANCE, name).delete();
    client.resource(child).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
  }

  /**
   * Whether {@code object} is an earlier run's Job, Pod or child of an iteration {@code next} runs
   * again.
   */
  static boolean rerun(HasMetadata object, WorkflowInstanceStatus next) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    String path = annotations == null ? null : annotations.get(Labels.STEP_PATH);
    return Restarts.rerunsIteration(next, StepPath.parse(path));
  }
}
