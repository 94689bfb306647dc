package dev.baton.runtime;

import dev.baton.api.WorkflowInstance;
import dev.baton.flow.Command;
import dev.baton.flow.CommandSink;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
import dev.baton.metrics.BatonMetrics;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
 * come back to the actor as events.
 */
public final class KubernetesRuntime implements CommandSink {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesRuntime.class);

  private final KubernetesClient client;
  private final JobFactory jobs;
  private final StatusWriter status;
  private final Timers timers;
  private final Executor io;
  private final BatonMetrics metrics;
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
        case Command.CreateJob create -> {
          CompletableFuture<Void> done = new CompletableFuture<>();
          creating.put(create.jobName(), done);
          io.execute(() -> {
            try {
              create(actor, create);
            } finally {
              creating.remove(create.jobName(), done);
              done.complete(null);
            }
          });
        }
        case Command.DeleteJob delete -> {
          CompletableFuture<Void> pending = creating.getOrDefault(delete.jobName(), CompletableFuture.completedFuture(null));
          pending.thenRunAsync(() -> delete(actor.key(), delete), io);
        }
        case Command.SetTimer timer -> timers.set(actor, timer.key(), timer.at());
        case Command.WriteStatus w -> status.dirty(actor);
        case Command.CreateChild child ->
            actor.tell(new FlowEvent.JobLaunchFailed(child.stepId(), child.attempt(), "subworkflow steps are not supported yet", false, actor.clock().instant()));
        case Command.StopChild stop -> {}
      }
    }
  }

  private void create(FlowActor actor, Command.CreateJob c) {
    WorkflowInstance owner = owners.get(actor.key());
    if (owner == null) return;
    long t0 = System.nanoTime();
    try {
      Job job = jobs.build(owner, c);
      client.batch().v1().jobs().inNamespace(owner.getMetadata().getNamespace()).resource(job).create();
      metrics.jobCreated(Duration.ofNanos(System.nanoTime() - t0));
      actor.tell(new FlowEvent.JobLaunched(c.stepId(), c.attempt(), actor.clock().instant()));
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == 409) {
        // Created before, by this process or one before it: the step is launched, not launched twice.
        actor.tell(new FlowEvent.JobLaunched(c.stepId(), c.attempt(), actor.clock().instant()));
        return;
      }
      metrics.jobCreateFailed(code == 0 ? "error" : Integer.toString(code));
      boolean retryable = !(code == 400 || code == 422);
      String why = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
      LOG.warn("{}: could not create Job {}: {}", actor.key(), c.jobName(), why);
      actor.tell(new FlowEvent.JobLaunchFailed(c.stepId(), c.attempt(), why, retryable, actor.clock().instant()));
    } catch (RuntimeException e) {
      metrics.jobCreateFailed("error");
      LOG.warn("{}: could not create Job {}", actor.key(), c.jobName(), e);
      actor.tell(new FlowEvent.JobLaunchFailed(c.stepId(), c.attempt(), e.toString(), !(e instanceof IllegalArgumentException), actor.clock().instant()));
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
