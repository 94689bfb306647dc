package dev.baton.runtime;

import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.flow.Command;
import dev.baton.flow.CommandSink;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
import dev.baton.flow.StepPath;
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
 * executor (virtual threads), so one slow call never holds up another instance; their outcomes come
 * back to the actor as events. A subworkflow step's child WorkflowInstance is handled like a Job:
 * created once per attempt under a deterministic name, stopped rather than deleted.
 */
public final class KubernetesRuntime implements CommandSink {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesRuntime.class);

  private final KubernetesClient client;
  private final JobFactory jobs;
  private final StatusWriter status;
  private final Timers timers;
  private final Executor io;
  private final BatonMetrics metrics;
  private final WorkloadCreator creator;
  private final SignalWaits signalWaits = new SignalWaits();
  private final SignalEmitter signalEmitter;
  private static final String STOP = "{\"spec\":{\"stop\":true}}";

  /** The resources the runtime creates, as RBAC names them. */
  private static final String JOBS = "jobs.batch";

  private static final String CHILDREN = "workflowinstances." + Workflow.GROUP;

  private final Map<InstanceKey, WorkflowInstance> owners = new ConcurrentHashMap<>();

  /** When each Job was last asked to be deleted (System.nanoTime), by namespace/name. */
  private final Map<String, Long> recentDeletes = new ConcurrentHashMap<>();

  static final Duration DELETE_AGAIN = Duration.ofMinutes(1);

  /** Creates in flight by Job name: a delete of the same Job waits for its create. */
  private final Map<String, CompletableFuture<Void>> creating = new ConcurrentHashMap<>();

  public KubernetesRuntime(
      KubernetesClient client,
      JobFactory jobs,
      StatusWriter status,
      Timers timers,
      Executor io,
      BatonMetrics metrics) {
    this(client, jobs, status, timers, io, metrics, CreateRetry.DEFAULT);
  }

  public KubernetesRuntime(
      KubernetesClient client,
      JobFactory jobs,
      StatusWriter status,
      Timers timers,
      Executor io,
      BatonMetrics metrics,
      CreateRetry retry) {
    this.creator = new WorkloadCreator(retry, metrics);
    this.signalEmitter = new SignalEmitter(client, retry);
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

  /**
   * The instance object whose run is under {@code key}, as last tracked; null when none is. After
   * an instance is deleted and made again under its name, it may still be the earlier one's.
   */
  public WorkflowInstance owner(InstanceKey key) {
    return owners.get(key);
  }

  /** The signal steps waiting now; the Signal informer feeds it. */
  public SignalWaits signalWaits() {
    return signalWaits;
  }

  public void forget(InstanceKey key) {
    signalWaits.forget(key);
    owners.remove(key);
    status.forget(key);
    timers.cancelAll(key);
  }

  @Override
  public void execute(FlowActor actor, List<Command> commands) {
    for (Command c : commands) {
      switch (c) {
        case Command.CreateJob create -> launch(create.jobName(), () -> create(actor, create));
        case Command.DeleteJob delete ->
            afterCreate(delete.jobName(), () -> delete(actor.key(), delete));
        case Command.CreateChild child ->
            launch(child.childName(), () -> createChild(actor, child));
        case Command.StopChild stop ->
            afterCreate(stop.childName(), () -> stopChild(actor.key(), stop));
        case Command.ConfirmGone confirm ->
            afterCreate(confirm.name(), () -> confirmGone(actor, confirm));
        case Command.SetTimer timer -> timers.set(actor, timer.key(), timer.at());
        case Command.AwaitSignal wait -> signalWaits.await(actor, wait);
        case Command.CancelSignalWait cancel ->
            signalWaits.cancel(actor.key(), cancel.path(), cancel.attempt());
        case Command.EmitSignals emit -> emitSignals(actor, emit);
        case Command.WriteStatus w -> status.dirty(actor);
      }
    }
  }

  /** Creates a step attempt's output signals on the I/O executor (see {@link SignalEmitter}). */
  private void emitSignals(FlowActor actor, Command.EmitSignals emit) {
    WorkflowInstance owner = owners.get(actor.key());
    if (owner == null) return;
    io.execute(() -> signalEmitter.emit(actor, owner, emit, () -> owners.containsKey(actor.key())));
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
    CompletableFuture<Void> pending =
        creating.getOrDefault(name, CompletableFuture.completedFuture(null));
    pending.thenRunAsync(action, io);
  }

  private void create(FlowActor actor, Command.CreateJob c) {
    WorkflowInstance owner = owners.get(actor.key());
    if (owner == null) return;
    String ns = owner.getMetadata().getNamespace();
    Job job;
    try {
      job = jobs.build(owner, c, actor.clock().instant());
    } catch (RuntimeException e) {
      metrics.jobCreateFailed("error");
      LOG.warn("{}: could not build Job {}", actor.key(), c.jobName(), e);
      actor.tell(
          new FlowEvent.StepLaunchFailed(
              c.path(),
              c.attempt(),
              e.toString(),
              CreateFailure.of(e).retryable(),
              actor.clock().instant()));
      return;
    }
    long t0 = System.nanoTime();
    var resource = client.batch().v1().jobs().inNamespace(ns);
    boolean launched =
        creator.create(
            actor,
            new WorkloadCreator.Workload<>(
                "Job " + c.jobName(),
                c.path(),
                c.attempt(),
                c.timeout(),
                JOBS,
                ns,
                () -> resource.resource(job).create(),
                () -> resource.withName(c.jobName()).get(),
                existing -> ownedBy(existing, owner),
                () ->
                    resource
                        .withName(c.jobName())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
                        .delete()));
    if (launched) {
      metrics.jobCreated(Duration.ofNanos(System.nanoTime() - t0));
      if (c.decidedAt() != null)
        metrics.stepLaunched(Duration.between(c.decidedAt(), actor.clock().instant()));
    }
  }

  /** Whether {@code job}'s controller owner reference is {@code owner}, by UID. */
  private static boolean ownedBy(Job job, WorkflowInstance owner) {
    return Ownership.owned(owner.getMetadata().getUid(), List.of(job)).size() == 1;
  }

  private void createChild(FlowActor actor, Command.CreateChild c) {
    WorkflowInstance owner = owners.get(actor.key());
    if (owner == null) return;
    String ns = owner.getMetadata().getNamespace();
    WorkflowInstance child;
    try {
      child = Children.build(owner, c);
    } catch (RuntimeException e) {
      LOG.warn("{}: could not build child instance {}", actor.key(), c.childName(), e);
      actor.tell(
          new FlowEvent.StepLaunchFailed(
              c.path(),
              c.attempt(),
              "could not create child instance " + c.childName() + ": " + e,
              CreateFailure.of(e).retryable(),
              actor.clock().instant()));
      return;
    }
    var resource = client.resources(WorkflowInstance.class).inNamespace(ns);
    creator.create(
        actor,
        new WorkloadCreator.Workload<>(
            "child instance " + c.childName(),
            c.path(),
            c.attempt(),
            null,
            CHILDREN,
            ns,
            () -> resource.resource(child).create(),
            () -> resource.withName(c.childName()).get(),
            existing -> !Children.ownedBy(owner, List.of(existing)).isEmpty(),
            () -> resource.withName(c.childName()).delete()));
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
      LOG.warn(
          "{}: could not tell whether {} {} is gone: {}",
          actor.key(),
          c.child() ? "child instance" : "Job",
          c.name(),
          e.getMessage());
      return;
    }
    if (gone) {
      LOG.info(
          "{}: {} {} of step {} attempt {} is gone",
          actor.key(),
          c.child() ? "child instance" : "Job",
          c.name(),
          c.path(),
          c.attempt());
      actor.tell(new FlowEvent.WorkloadGone(c.path(), c.attempt(), actor.clock().instant()));
    }
  }

  private boolean jobGone(WorkflowInstance owner, String ns, Command.ConfirmGone c) {
    Job job = client.batch().v1().jobs().inNamespace(ns).withName(c.name()).get();
    if (job != null && ownedBy(job, owner)) return false;
    List<Job> labelled =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .withLabel(Labels.INSTANCE, owner.getMetadata().getName())
            .withLabel(Labels.ATTEMPT, Integer.toString(c.attempt()))
            .list()
            .getItems();
    return labelled.stream()
        .noneMatch(j -> c.stepId().equals(annotation(j, Labels.STEP_PATH)) && ownedBy(j, owner));
  }

  private boolean childGone(WorkflowInstance owner, String ns, Command.ConfirmGone c) {
    WorkflowInstance child =
        client.resources(WorkflowInstance.class).inNamespace(ns).withName(c.name()).get();
    if (child != null && !Children.ownedBy(owner, List.of(child)).isEmpty()) return false;
    List<WorkflowInstance> labelled =
        client
            .resources(WorkflowInstance.class)
            .inNamespace(ns)
            .withLabel(Labels.PARENT, owner.getMetadata().getName())
            .withLabel(Labels.ATTEMPT, Integer.toString(c.attempt()))
            .list()
            .getItems();
    return Children.ownedBy(owner, labelled).stream()
        .noneMatch(w -> c.stepId().equals(annotation(w, Labels.STEP_PATH)));
  }

  private static String annotation(HasMetadata r, String key) {
    Map<String, String> a = r.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  private void stopChild(InstanceKey key, Command.StopChild s) {
    try {
      client
          .resources(WorkflowInstance.class)
          .inNamespace(key.namespace())
          .withName(s.childName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), STOP);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404)
        LOG.warn("{}: could not stop child instance {}: {}", key, s.childName(), e.getMessage());
    }
  }

  /**
   * Deletes the Jobs of a run that has ended which still run: its end should have stopped them, and
   * a delete may have been lost. Returns how many were asked to go.
   */
  public int reap(InstanceKey key, List<Job> active) {
    for (Job j : active) {
      Command.DeleteJob d = new Command.DeleteJob((StepPath) null, 0, j.getMetadata().getName());
      afterCreate(d.jobName(), () -> delete(key, d));
    }
    return active.size();
  }

  /**
   * Deletes are fire-and-forget and may be asked for on every observation (reaping): one Job is
   * deleted at most once a {@link #DELETE_AGAIN}, unless the delete failed.
   */
  private boolean mayDelete(String id) {
    long now = System.nanoTime();
    if (recentDeletes.size() > 10_000)
      recentDeletes.values().removeIf(t -> now - t > DELETE_AGAIN.toNanos());
    Long last = recentDeletes.get(id);
    if (last != null && now - last < DELETE_AGAIN.toNanos()) return false;
    recentDeletes.put(id, now);
    return true;
  }

  private void delete(InstanceKey key, Command.DeleteJob d) {
    String id = key.namespace() + "/" + d.jobName();
    if (!mayDelete(id)) return;
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(key.namespace())
          .withName(d.jobName())
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        recentDeletes.remove(id);
        LOG.warn("{}: could not delete Job {}: {}", key, d.jobName(), e.getMessage());
      }
    }
  }
}
