package dev.baton.runtime;

import dev.baton.api.Json;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
import dev.baton.metrics.BatonMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes instance statuses. Writes are coalesced: an instance has at most one write in flight, and
 * the changes made meanwhile go out together in the next, taken as a fresh snapshot when that write
 * starts. Every write carries the resourceVersion it was based on ({@link StatusReplacer}); on a
 * conflict it reads the instance again and retries, since the operator is the status's only writer.
 * Every status is kept under its size budget ({@link StatusBudget}); one that cannot be, or that
 * the API server refuses as too large, is never retried: the run fails, and a small Failed status
 * saying why is written instead.
 */
public final class StatusWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);
  private static final int ATTEMPTS = 6;

  private final Executor executor;
  private final BatonMetrics metrics;
  private final EventRecorder events;
  private final StatusReplacer replacer;

  /** Told each run's final status as written. */
  private final Consumer<WorkflowInstance> onFinalWritten;

  private final Map<InstanceKey, Slot> slots = new ConcurrentHashMap<>();

  /**
   * The least time between two writes of one instance. Transitions meanwhile are coalesced into the
   * next write, which keeps the API server's write load per run bounded however fast its steps go;
   * hand-offs do not wait for it, since Jobs are created directly.
   */
  private final Duration minInterval;

  private final StatusBudget budget;

  private static final class Slot {
    final FlowActor actor;
    volatile WorkflowInstance latest;
    WorkflowInstanceStatus lastWritten;
    String lastWrittenJson;
    boolean writing;
    boolean dirty;

    /** Its final status is written: nothing more is. */
    volatile boolean done;

    volatile long lastWriteNanos;

    Slot(FlowActor actor, WorkflowInstance latest) {
      this.actor = actor;
      this.latest = latest;
      this.lastWritten = latest.getStatus();
    }
  }

  public StatusWriter(
      KubernetesClient client,
      Executor executor,
      BatonMetrics metrics,
      EventRecorder events,
      Consumer<WorkflowInstance> onFinalWritten,
      Duration minInterval) {
    this(client, executor, metrics, events, onFinalWritten, minInterval, StatusBudget.fromEnv());
  }

  public StatusWriter(
      KubernetesClient client,
      Executor executor,
      BatonMetrics metrics,
      EventRecorder events,
      Consumer<WorkflowInstance> onFinalWritten,
      Duration minInterval,
      StatusBudget budget) {
    this.budget = budget;
    this.minInterval = minInterval;
    this.replacer = new StatusReplacer(client);
    this.executor = executor;
    this.metrics = metrics;
    this.events = events;
    this.onFinalWritten = onFinalWritten;
  }

  /** Starts writing for a run whose actor now exists; {@code instance} is its latest object. */
  public void track(FlowActor actor, WorkflowInstance instance) {
    slots.compute(
        actor.key(),
        (k, s) -> {
          if (s == null || s.actor != actor) return new Slot(actor, instance);
          // The informer's copy usually lags behind the one our last write returned; basing the
          // next
          // write on it would only earn a conflict. Take it when the spec changed (a stop, say).
          if (generation(instance) > generation(s.latest)) s.latest = instance;
          return s;
        });
  }

  private static long generation(WorkflowInstance i) {
    Long g = i == null ? null : i.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  public void forget(InstanceKey key) {
    slots.remove(key);
  }

  /** The actor's status changed; write it soon. */
  public void dirty(FlowActor actor) {
    Slot slot = slots.get(actor.key());
    if (slot == null || slot.actor != actor) return;
    synchronized (slot) {
      slot.dirty = true;
      if (slot.writing) return;
      slot.writing = true;
    }
    schedule(slot);
  }

  /**
   * The next write of a slot, no sooner than minInterval after its last one; except a run's end,
   * which does not wait (a parent run waits for its child's end, a queued run for the one before
   * it). An end that arrives while a write already waits goes out with that one.
   */
  private void schedule(Slot slot) {
    long wait = slot.lastWriteNanos + minInterval.toNanos() - System.nanoTime();
    if (slot.lastWriteNanos == 0 || wait <= 0 || ended(slot)) {
      executor.execute(() -> drain(slot));
    } else {
      CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS, executor)
          .execute(() -> drain(slot));
    }
  }

  private static boolean ended(Slot slot) {
    var phase = slot.actor.phase();
    return phase != null && phase.isFinal();
  }

  private void drain(Slot slot) {
    synchronized (slot) {
      if (!slot.dirty || slot.done) {
        slot.writing = false;
        return;
      }
      slot.dirty = false;
    }
    try {
      WorkflowInstanceStatus status = slot.actor.snapshot().get();
      writeSlot(slot, status);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (ExecutionException | RuntimeException e) {
      LOG.error("{}: could not write status; trying again in 1s", slot.actor.key(), e);
      synchronized (slot) {
        slot.dirty = true;
      }
      CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS, executor).execute(() -> drain(slot));
      return;
    }
    slot.lastWriteNanos = System.nanoTime();
    synchronized (slot) {
      if (!slot.dirty) {
        slot.writing = false;
        return;
      }
    }
    schedule(slot);
  }

  private void writeSlot(Slot slot, WorkflowInstanceStatus status) {
    StatusBudget.Fitted fitted = budget.fit(status, Json.write(status));
    if (fitted.status() == null) {
      tooLarge(
          slot,
          status,
          "the status would be "
              + fitted.size()
              + " bytes even with its detail trimmed, over its budget of "
              + budget.bytes()
              + " bytes");
      return;
    }
    status = fitted.status();
    String json = fitted.json();
    if (json.equals(slot.lastWrittenJson)) return;
    WorkflowInstance written;
    try {
      written = write(slot.latest, status);
    } catch (KubernetesClientException e) {
      if (!isTooLarge(e)) throw e;
      tooLarge(
          slot,
          status,
          "the API server refused the status of "
              + fitted.size()
              + " bytes as too large (budget "
              + budget.bytes()
              + " bytes): "
              + e.getMessage());
      return;
    }
    if (written == null) {
      forget(slot.actor.key());
      return;
    }
    recordWritten(slot, written, status, json);
  }

  /**
   * The run's status cannot be written: the run fails (its workloads stopped), and a small Failed
   * status that says why is written in its place. Never retried as is.
   */
  private void tooLarge(Slot slot, WorkflowInstanceStatus status, String why) {
    LOG.error("{}: {}; the run fails", slot.actor.key(), why);
    var now = slot.actor.clock().instant();
    slot.actor.tell(new FlowEvent.StatusTooLarge(why, now));
    WorkflowInstanceStatus small = StatusBudget.tooLarge(status, why, now);
    WorkflowInstance written = write(slot.latest, small);
    if (written == null) {
      forget(slot.actor.key());
      return;
    }
    recordWritten(slot, written, small, Json.write(small));
  }

  /** 413, or a 422 or 500 saying the request is too large (etcd's limit, the API server's). */
  static boolean isTooLarge(KubernetesClientException e) {
    if (e.getCode() == 413) return true;
    String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
    return (e.getCode() == 422 || e.getCode() == 500) && m.contains("too large");
  }

  private void recordWritten(
      Slot slot, WorkflowInstance written, WorkflowInstanceStatus status, String json) {
    WorkflowInstanceStatus before = slot.lastWritten;
    slot.latest = written;
    slot.lastWritten = status;
    slot.lastWrittenJson = json;
    events.transitions(written, before, status);
    countFinishedSteps(before, status);
    if (status.phase != null && status.phase.isFinal()) {
      slot.done = true;
      metrics.instanceEnded(status.phase.name());
      forget(slot.actor.key());
      onFinalWritten.accept(written);
    }
  }

  private void countFinishedSteps(WorkflowInstanceStatus before, WorkflowInstanceStatus after) {
    for (var e : after.steps.entrySet()) {
      var now = e.getValue().state;
      var was =
          before == null || before.steps == null || before.steps.get(e.getKey()) == null
              ? null
              : before.steps.get(e.getKey()).state;
      if (now != null && now.isFinal() && (was == null || !was.isFinal())) {
        metrics.stepEnded(now.name());
      }
    }
  }

  /**
   * Writes a status now, based on {@code base}, retrying conflicts. Returns the written instance,
   * or null when the instance no longer exists.
   */
  public WorkflowInstance write(WorkflowInstance base, WorkflowInstanceStatus status) {
    WorkflowInstance current = base;
    for (int attempt = 1; ; attempt++) {
      long t0 = System.nanoTime();
      try {
        WorkflowInstance written = writeOnce(current, status);
        if (written != null) metrics.statusWritten(Duration.ofNanos(System.nanoTime() - t0));
        return written;
      } catch (KubernetesClientException e) {
        if (attempt >= ATTEMPTS || isTooLarge(e)) {
          throw e;
        }
        if (e.getCode() == 409) {
          metrics.statusConflict();
        } else {
          LOG.warn(
              "{}/{}: status write failed ({}), retrying",
              current.getMetadata().getNamespace(),
              current.getMetadata().getName(),
              e.getMessage());
          sleep(Duration.ofMillis(100L << attempt));
        }
        WorkflowInstance fresh = replacer.reread(base);
        if (fresh == null) {
          return null;
        }
        if (fresh.getStatus() != null
            && fresh.getStatus().phase != null
            && fresh.getStatus().phase.isFinal()) {
          // A final status is never overwritten: whatever wrote it saw the run end.
          LOG.warn(
              "{}/{}: status is already final ({}); not overwriting it",
              current.getMetadata().getNamespace(),
              current.getMetadata().getName(),
              fresh.getStatus().phase);
          return null;
        }
        current = fresh;
      }
    }
  }

  /**
   * One write of a status on the resourceVersion of {@code base}, final or not: null when the
   * instance is gone; a conflict is thrown (code 409) for the caller to decide again on a fresh
   * read. For the one writer that may take a final status back, a restart.
   */
  public WorkflowInstance writeOnce(WorkflowInstance base, WorkflowInstanceStatus status) {
    stamp(status, base.getMetadata().getGeneration());
    return replacer.replace(base, status);
  }

  /**
   * Changes the status of an instance, final or not, as the API server has it: {@code change} edits
   * a copy of the freshest status, again after a conflict. Null when the instance is gone.
   */
  public WorkflowInstance edit(
      WorkflowInstance base, java.util.function.Consumer<WorkflowInstance> change) {
    WorkflowInstance fresh = replacer.reread(base);
    if (fresh == null) return null;
    return replacer.replace(
        fresh,
        current -> {
          change.accept(current);
          return current.getStatus();
        },
        ATTEMPTS);
  }

  /** The instance as the API server has it now; null when it is gone or another took its name. */
  public WorkflowInstance reread(WorkflowInstance base) {
    return replacer.reread(base);
  }

  /** The generation the status was computed for, on the status and on conditions that lack it. */
  private static void stamp(WorkflowInstanceStatus status, Long generation) {
    status.observedGeneration = generation;
    if (status.conditions != null) {
      for (var c : status.conditions) {
        if (c.getObservedGeneration() == null) c.setObservedGeneration(generation);
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
