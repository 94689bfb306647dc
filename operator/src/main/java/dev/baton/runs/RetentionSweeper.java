package dev.baton.runs;

import dev.baton.api.RetentionStatus;
import dev.baton.api.RunStrategyType;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.EventRecorder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Deletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.extension.ExtensibleResource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the finished instances of a Workflow that its retention does not keep ({@link
 * RetentionRules} decides which), on the Workflow's reconcile, and says so: a {@code
 * RetentionDeleted} Event per batch and {@code status.retention} on the Workflow.
 *
 * <p>Each instance is deleted with propagation Background, on the resourceVersion it was chosen by:
 * the instance is gone at once, and the garbage collector then deletes its Jobs (and their Pods)
 * and its subworkflow children, which carry a controller owner reference to it. A 404 means it is
 * gone already; a 409 that it changed since (a restart was asked, say), so it is looked at again on
 * the next reconcile. Any other error (403, say) stops the batch, is recorded as a {@code
 * RetentionFailed} Warning Event and in {@code status.retention.error}, and the Workflow's
 * retention waits 10s, doubling up to 5m, before it tries again.
 */
public final class RetentionSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);

  /** The most instances deleted in one reconcile; the rest wait for the next, a second later. */
  static final int BATCH = 50;

  static final Duration NEXT_BATCH = Duration.ofSeconds(1);
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(10);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  /** How many names status.retention.lastDeleted holds. */
  static final int NAMES_SHOWN = 20;

  /**
   * A TTL is looked at this long after it passes: the end times have second resolution, and the
   * timer must not wake a moment too early.
   */
  private static final Duration SLACK = Duration.ofMillis(100);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final Clock clock;

  /** Instances this process deleted, by uid: the informer may still hold them a while. */
  private final Map<String, Boolean> deleted = Remembered.upTo(100_000);

  /** Workflows whose last delete failed, by uid: when they may try again and how often failed. */
  private final Map<String, Failure> failures = Remembered.upTo(10_000);

  private record Failure(int count, Instant until) {}

  /**
   * The status.retention this process last wrote, by Workflow uid. The informer's copy of the
   * Workflow can lag behind that write, and a sweep's count must add to the newest.
   */
  private final Map<String, RetentionStatus> written = Remembered.upTo(10_000);

  /**
   * What a sweep did: the instances still there (for the Workflow's aggregate), the ones it
   * deleted, the error that stopped it (null when none), whether it backed off without trying, and
   * when the Workflow should be reconciled again for retention's sake.
   */
  public record Sweep(
      List<WorkflowInstance> remaining,
      List<String> deleted,
      String error,
      boolean backingOff,
      Instant at,
      Optional<Duration> wakeAfter) {
    /**
     * {@code status.retention} with this sweep folded into {@code base}, the Workflow's as last
     * written: the count goes up by what it deleted, and an error is set, or cleared when the sweep
     * ran without one. A fold, not a value, so that a status write retried on a fresh copy after a
     * conflict keeps the count of the writes before it.
     */
    public RetentionStatus status(RetentionStatus base) {
      RetentionStatus s = copy(base);
      if (!deleted.isEmpty()) {
        s.deleted = (s.deleted == null ? 0 : s.deleted) + deleted.size();
        s.lastDeletionTime = at.toString();
        s.lastDeleted = List.copyOf(deleted.subList(0, Math.min(NAMES_SHOWN, deleted.size())));
      }
      if (error != null) {
        s.error = error;
        s.errorTime = at.toString();
      } else if (!backingOff) {
        s.error = null;
        s.errorTime = null;
      }
      return empty(s) ? null : s;
    }
  }

  public RetentionSweeper(KubernetesClient client, EventRecorder events, Clock clock) {
    this.client = client;
    this.events = events;
    this.clock = clock;
  }

  /**
   * Deletes what {@code workflow}'s retention does not keep of {@code instances} (the workflow's
   * instances, as the informer has them), up to {@link #BATCH}, unless it is backing off after an
   * error.
   */
  public Sweep sweep(Workflow workflow, List<WorkflowInstance> instances) {
    Instant now = clock.instant();
    List<WorkflowInstance> present = new ArrayList<>(instances.size());
    for (WorkflowInstance i : instances) {
      if (!deleted.containsKey(i.getMetadata().getUid())) present.add(i);
    }
    var spec = workflow.getSpec();
    RetentionRules.Policy policy = RetentionRules.Policy.of(spec == null ? null : spec.retention);
    RunStrategyType strategy =
        spec == null ? RunStrategyType.Sequential : spec.runStrategyOrDefault().typeOrDefault();
    RetentionRules.Plan plan = RetentionRules.plan(policy, strategy, present, now);
    Optional<Instant> wakeAt = plan.nextExpiry().map(t -> t.plus(SLACK));
    if (plan.delete().isEmpty()) {
      return new Sweep(present, List.of(), null, false, now, after(wakeAt, now));
    }
    String uid = workflow.getMetadata().getUid();
    Failure failure = failures.get(uid);
    if (failure != null && now.isBefore(failure.until())) {
      return new Sweep(
          present, List.of(), null, true, now, after(earliest(wakeAt, failure.until()), now));
    }

    List<String> done = new ArrayList<>();
    List<String> doneCauses = new ArrayList<>();
    Set<String> gone = new HashSet<>();
    RuntimeException error = null;
    String failedName = null;
    List<RetentionRules.Doomed> batch =
        plan.delete().subList(0, Math.min(BATCH, plan.delete().size()));
    for (RetentionRules.Doomed d : batch) {
      WorkflowInstance i = d.instance();
      try {
        boolean existed = delete(i);
        deleted.put(i.getMetadata().getUid(), true);
        gone.add(i.getMetadata().getUid());
        if (existed) {
          done.add(d.name());
          doneCauses.add(d.name() + " (" + policy.describe(d.cause()) + ")");
        }
      } catch (RuntimeException e) {
        if (e instanceof KubernetesClientException k && k.getCode() == 409) {
          continue; // changed since it was chosen: decided again next time
        }
        error = e;
        failedName = d.name();
        break;
      }
    }

    if (!done.isEmpty()) {
      events.record(
          workflow,
          EventRecorder.Type.Normal,
          EventRecorder.Reason.RetentionDeleted,
          "deleted "
              + done.size()
              + (done.size() == 1 ? " finished instance: " : " finished instances: ")
              + String.join(", ", doneCauses));
    }
    List<WorkflowInstance> remaining = new ArrayList<>(present.size());
    for (WorkflowInstance i : present) {
      if (!gone.contains(i.getMetadata().getUid())) remaining.add(i);
    }
    if (error != null) {
      int count = failure == null ? 1 : failure.count() + 1;
      Duration backoff = backoff(count);
      Instant until = now.plus(backoff);
      failures.put(uid, new Failure(count, until));
      String message =
          "could not delete instance "
              + failedName
              + ": "
              + describe(error)
              + "; retention tries again in "
              + dev.baton.api.Durations.format(backoff);
      LOG.warn("workflow {}: {}", workflow.getMetadata().getName(), message);
      events.record(
          workflow, EventRecorder.Type.Warning, EventRecorder.Reason.RetentionFailed, message);
      return new Sweep(remaining, done, message, false, now, after(earliest(wakeAt, until), now));
    }
    failures.remove(uid);
    if (plan.delete().size() > batch.size()) {
      wakeAt = earliest(wakeAt, now.plus(NEXT_BATCH));
    }
    return new Sweep(remaining, done, null, false, now, after(wakeAt, now));
  }

  /**
   * {@code status.retention} after {@code sweep}: the sweep folded into the newer of {@code base}
   * (the Workflow's as read) and what this process last wrote for it.
   */
  public RetentionStatus status(Workflow workflow, Sweep sweep, RetentionStatus base) {
    RetentionStatus mine = written.get(workflow.getMetadata().getUid());
    boolean mineIsNewer = mine != null && count(mine) >= count(base);
    return sweep.status(mineIsNewer ? mine : base);
  }

  /** {@code status} was written as the Workflow's status.retention. */
  public void written(Workflow workflow, RetentionStatus status) {
    if (status != null) written.put(workflow.getMetadata().getUid(), status);
  }

  private static long count(RetentionStatus s) {
    return s == null || s.deleted == null ? 0 : s.deleted;
  }

  /**
   * Deletes one instance, on the resourceVersion it was chosen by, with propagation Background.
   * Returns false when it was gone already.
   */
  private boolean delete(WorkflowInstance i) {
    var meta = i.getMetadata();
    Resource<WorkflowInstance> r =
        client
            .resources(WorkflowInstance.class)
            .inNamespace(meta.getNamespace())
            .withName(meta.getName());
    Deletable d;
    if (r instanceof ExtensibleResource<WorkflowInstance> e) {
      var background = e.withPropagationPolicy(DeletionPropagation.BACKGROUND);
      d =
          meta.getResourceVersion() == null
              ? background
              : background.lockResourceVersion(meta.getResourceVersion());
    } else {
      // Background is the API server's default for custom resources.
      d = meta.getResourceVersion() == null ? r : r.lockResourceVersion(meta.getResourceVersion());
    }
    return !d.delete().isEmpty();
  }

  static Duration backoff(int failures) {
    Duration d = FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 10));
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  private static String describe(RuntimeException e) {
    if (!(e instanceof KubernetesClientException k)) return e.toString();
    String reason = k.getStatus() != null ? k.getStatus().getMessage() : null;
    String text = reason != null ? reason : k.getMessage();
    return (k.getCode() > 0 ? k.getCode() + " " : "") + text;
  }

  private static RetentionStatus copy(RetentionStatus s) {
    RetentionStatus c = new RetentionStatus();
    if (s != null) {
      c.deleted = s.deleted;
      c.lastDeletionTime = s.lastDeletionTime;
      c.lastDeleted = s.lastDeleted;
      c.error = s.error;
      c.errorTime = s.errorTime;
    }
    return c;
  }

  private static boolean empty(RetentionStatus s) {
    return s.deleted == null && s.lastDeletionTime == null && s.error == null;
  }

  private static Optional<Instant> earliest(Optional<Instant> a, Instant b) {
    return Optional.of(a.isPresent() && a.get().isBefore(b) ? a.get() : b);
  }

  private static Optional<Duration> after(Optional<Instant> at, Instant now) {
    return at.map(t -> t.isAfter(now) ? Duration.between(now, t) : Duration.ZERO);
  }
}
