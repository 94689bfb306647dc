package dev.baton.runtime;

import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.flow.Command;
import dev.baton.flow.CommandSink;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
import dev.baton.metrics.BatonMetrics;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the engine's commands against the API server. Creates and deletes run on the I/O
 * executor (virtual threads), so one slow call never holds up another instance; their outcomes
 * come back to the actor as events. A subworkflow step's child WorkflowInstance is handled like a
 * Job: created once per attempt under a deterministic name, stopped rather than deleted.
 */
public final class KubernetesRuntime implements CommandSink {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesRuntime.class);

  private final KubernetesClient client;
  private final JobFactory jobs;
  private final StatusWriter status;
  private final Timers timers;
  private final Executor io;
  private final BatonMetrics metrics;
  private static final String STOP = "{\"spec\":{\"stop\":true}}";
  /** The resources the runtime creates, as RBAC names them. */
  private static final String JOBS = "jobs.batch";
  private static final String CHILDREN = "workflowinstances." + Workflow.GROUP;

  private final Map<InstanceKey, WorkflowInstance> owners = new ConcurrentHashMap<>();
  /** Creates in flight by Job name: a delete of the same Job waits for its create. */
  private final Map<String, CompletableFuture<Void>> creating = new ConcurrentHashMap<>();

  public KubernetesRuntime(
      KubernetesClient client, JobFactory jobs, StatusWriter status, Timers timers, Executor io, BatonMetrics metrics) {
    this.client = client;
    this.jobs = jobs;
    this.status = status;
    this.timers = timers;
    this.io = io;
    this.metrics = metrics;
  }

  /** Records the instance object that owns the run's Jobs; called on every reconcile. */
  public void track(FlowActor actor, WorkflowInstance instance) {
    owners.put(actor.key(), instance);
    status.track(actor, instance);
  }

  public void forget(InstanceKey key) {
    owners.remove(key);
    status.forget(key);
    timers.cancelAll(key);
  }

  @Override
  public void execute(FlowActor actor, List<Command> commands) {
    for (Command c : commands) {
      switch (c) {
        case Command.CreateJob create -> launch(create.jobName(), () -> create(actor, create));
        case Command.DeleteJob delete -> afterCreate(delete.jobName(), () -> delete(actor.key(), delete));
        case Command.CreateChild child -> launch(child.childName(), () -> createChild(actor, child));
        case Command.StopChild stop -> afterCreate(stop.childName(), () -> stopChild(actor.key(), stop));
        case Command.ConfirmGone confirm -> afterCreate(confirm.name(), () -> confirmGone(actor, confirm));
        case Command.SetTimer timer -> timers.set(actor, timer.key(), timer.at());
        case Command.WriteStatus w -> status.dirty(actor);
      }
    }
  }

  /** Runs a create on the I/O executor, recorded so that a delete of the same name waits for it. */
  private void launch(String name, Runnable create) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    creating.put(name, done);
    io.execute(() -> {
      try {
        create.run();
      } finally {
        creating.remove(name, done);
        done.complete(null);
      }
    });
  }

  /** Runs a delete or stop on the I/O executor once any create of the same name has returned. */
  private void afterCreate(String name, Runnable action) {
    CompletableFuture<Void> pending = creating.getOrDefault(name, CompletableFuture.completedFuture(null));
    pending.thenRunAsync(action, io);
  }

  private void create(FlowActor actor, Command.CreateJob c) {
    WorkflowInstance owner = owners.get(actor.key());
    if (owner == null) return;
    long t0 = System.nanoTime();
    try {
      Job job = jobs.build(owner, c);
      client.batch().v1().jobs().inNamespace(owner.getMetadata().getNamespace()).resource(job).create();
      metrics.jobCreated(Duration.ofNanos(System.nanoTime() - t0));
      if (c.decidedAt() != null) metrics.stepLaunched(Duration.between(c.decidedAt(), actor.clock().instant()));
      actor.tell(new FlowEvent.StepLaunched(c.stepId(), c.attempt(), actor.clock().instant()));
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == 409) {
        Job existing = client.batch().v1().jobs().inNamespace(owner.getMetadata().getNamespace()).withName(c.jobName()).get();
        if (existing != null && !ownedBy(existing, owner)) {
          // An earlier instance of the same name left it, and the garbage collector has not yet
          // removed it: not this attempt's. The next attempt has another name.
          actor.tell(new FlowEvent.StepLaunchFailed(c.stepId(), c.attempt(), "Job " + c.jobName()
              + " exists and belongs to an earlier instance named " + owner.getMetadata().getName(), true, actor.clock().instant()));
          return;
        }
        // Created before, by this process or one before it: the step is launched, not launched twice.
        actor.tell(new FlowEvent.StepLaunched(c.stepId(), c.attempt(), actor.clock().instant()));
        return;
      }
      metrics.jobCreateFailed(code == 0 ? "error" : Integer.toString(code));
      failed(actor, c.stepId(), c.attempt(), "Job " + c.jobName(), "", CreateFailure.of(e, JOBS, owner.getMetadata().getNamespace()));
    } catch (RuntimeException e) {
      metrics.jobCreateFailed("error");
      LOG.warn("{}: could not create Job {}", actor.key(), c.jobName(), e);
      actor.tell(new FlowEvent.StepLaunchFailed(c.stepId(), c.attempt(), e.toString(), CreateFailure.of(e).retryable(), actor.clock().instant()));
    }
  }

  /**
   * Tells the actor that an attempt's object was not created. The engine retries a retryable
   * failure as a platform error, and fails the step at once otherwise.
   */
  private static void failed(FlowActor actor, String stepId, int attempt, String what, String prefix, CreateFailure failure) {
    LOG.warn("{}: could not create {}: {}", actor.key(), what, failure.message());
    actor.tell(new FlowEvent.StepLaunchFailed(stepId, attempt, prefix + failure.message(), failure.retryable(), actor.clock().instant()));
  }

  /** Whether {@code job} is {@code owner}'s, or has no controller to say otherwise. */
  private static boolean ownedBy(Job job, WorkflowInstance owner) {
    return Observations.owned(owner.getMetadata().getUid(), List.of(job)).size() == 1;
  }

  private void createChild(FlowActor actor, Command.CreateChild c) {
    WorkflowInstance owner = owners.get(actor.key());
    if (owner == null) return;
    try {
      WorkflowInstance child = Children.build(owner, c);
      client.resources(WorkflowInstance.class).inNamespace(owner.getMetadata().getNamespace()).resource(child).create();
      actor.tell(new FlowEvent.StepLaunched(c.stepId(), c.attempt(), actor.clock().instant()));
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == 409) {
        WorkflowInstance existing =
            client.resources(WorkflowInstance.class).inNamespace(owner.getMetadata().getNamespace()).withName(c.childName()).get();
        if (existing != null && Children.ownedBy(owner, List.of(existing)).isEmpty()) {
          actor.tell(new FlowEvent.StepLaunchFailed(c.stepId(), c.attempt(), "could not create child instance " + c.childName()
              + ": it exists and belongs to an earlier instance named " + owner.getMetadata().getName(), true, actor.clock().instant()));
          return;
        }
        // The name is a function of the attempt: this child was created before, not a second one.
        actor.tell(new FlowEvent.StepLaunched(c.stepId(), c.attempt(), actor.clock().instant()));
        return;
      }
      failed(actor, c.stepId(), c.attempt(), "child instance " + c.childName(), "could not create child instance " + c.childName() + ": ",
          CreateFailure.of(e, CHILDREN, owner.getMetadata().getNamespace()));
    } catch (RuntimeException e) {
      LOG.warn("{}: could not create child instance {}", actor.key(), c.childName(), e);
      actor.tell(new FlowEvent.StepLaunchFailed(
          c.stepId(), c.attempt(), "could not create child instance " + c.childName() + ": " + e, CreateFailure.of(e).retryable(), actor.clock().instant()));
    }
  }

  /**
   * Asks the API server, not an informer, whether a workload the engine saw and the last
   * observation lacked is gone: not found by name, nor by its step's labels (a name given by an
   * older operator), or another object's. Only then is the engine told. If the API server cannot
   * say, nothing is told; the engine asks again later.
   */
  private void confirmGone(FlowActor actor, Command.ConfirmGone c) {
    WorkflowInstance owner = owners.get(actor.key());
    if (owner == null) return;
    String ns = owner.getMetadata().getNamespace();
    boolean gone;
    try {
      gone = c.child() ? childGone(owner, ns, c) : jobGone(owner, ns, c);
    } catch (KubernetesClientException e) {
      LOG.warn("{}: could not tell whether {} {} is gone: {}", actor.key(), c.child() ? "child instance" : "Job", c.name(), e.getMessage());
      return;
    }
    if (gone) {
      LOG.info("{}: {} {} of step {} attempt {} is gone", actor.key(), c.child() ? "child instance" : "Job", c.name(), c.stepId(), c.attempt());
      actor.tell(new FlowEvent.WorkloadGone(c.stepId(), c.attempt(), actor.clock().instant()));
    }
  }

  private boolean jobGone(WorkflowInstance owner, String ns, Command.ConfirmGone c) {
    Job job = client.batch().v1().jobs().inNamespace(ns).withName(c.name()).get();
    if (job != null && ownedBy(job, owner)) return false;
    List<Job> labelled = client.batch().v1().jobs().inNamespace(ns)
        .withLabel(Labels.INSTANCE, owner.getMetadata().getName())
        .withLabel(Labels.ATTEMPT, Integer.toString(c.attempt()))
        .list().getItems();
    return labelled.stream().noneMatch(j -> c.stepId().equals(annotation(j, Labels.STEP_PATH)) && ownedBy(j, owner));
  }

  private boolean childGone(WorkflowInstance owner, String ns, Command.ConfirmGone c) {
    WorkflowInstance child = client.resources(WorkflowInstance.class).inNamespace(ns).withName(c.name()).get();
    if (child != null && !Children.ownedBy(owner, List.of(child)).isEmpty()) return false;
    List<WorkflowInstance> labelled = client.resources(WorkflowInstance.class).inNamespace(ns)
        .withLabel(Labels.PARENT, owner.getMetadata().getName())
        .withLabel(Labels.ATTEMPT, Integer.toString(c.attempt()))
        .list().getItems();
    return Children.ownedBy(owner, labelled).stream().noneMatch(w -> c.stepId().equals(annotation(w, Labels.STEP_PATH)));
  }

  private static String annotation(HasMetadata r, String key) {
    Map<String, String> a = r.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  private void stopChild(InstanceKey key, Command.StopChild s) {
    try {
      client.resources(WorkflowInstance.class).inNamespace(key.namespace()).withName(s.childName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), STOP);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) LOG.warn("{}: could not stop child instance {}: {}", key, s.childName(), e.getMessage());
    }
  }

  private void delete(InstanceKey key, Command.DeleteJob d) {
    try {
      client.batch().v1().jobs().inNamespace(key.namespace()).withName(d.jobName())
          .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) LOG.warn("{}: could not delete Job {}: {}", key, d.jobName(), e.getMessage());
    }
  }
}
