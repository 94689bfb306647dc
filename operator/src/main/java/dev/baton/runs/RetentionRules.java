package dev.baton.runs;

import dev.baton.api.Durations;
import dev.baton.api.InstancePhase;
import dev.baton.api.Retention;
import dev.baton.api.RunStrategyType;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.Restarts;
import dev.baton.runtime.Children;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Which finished instances of one Workflow its retention deletes, as a pure function of the
 * instances, the policy and the time. {@link RetentionSweeper} deletes them.
 *
 * <p>Only finished top-level runs count and are deleted: a subworkflow child (an instance whose
 * controller owner is a WorkflowInstance) goes with its parent. They are ordered by end time, then
 * name: the newest {@code succeeded} Succeeded ones and the newest {@code failed} unsuccessful ones
 * (Failed, TimedOut, Stopped) are kept, and a run past {@code ttlAfterFinished} goes whatever its
 * place. Never deleted: a run not finished, one whose spec.restart asks for a run not yet started,
 * and under StrictSequential an unsuccessful one not unblocked (it blocks, or would block, the
 * queue). Those still take their place in the counts.
 */
final class RetentionRules {
  private RetentionRules() {}

  /** Why a run is deleted. */
  enum Cause {
    /** Beyond the newest {@code succeeded} Succeeded runs. */
    SUCCEEDED_COUNT,
    /** Beyond the newest {@code failed} unsuccessful runs. */
    FAILED_COUNT,
    /** Past its end time plus ttlAfterFinished. */
    TTL
  }

  /** A Workflow's retention, defaults applied: an empty count keeps all, an empty ttl none. */
  record Policy(OptionalInt succeeded, OptionalInt failed, Optional<Duration> ttl) {
    static Policy of(Retention r) {
      Retention retention = r == null ? new Retention() : r;
      Optional<Duration> ttl;
      try {
        ttl = retention.ttl();
      } catch (IllegalArgumentException e) {
        ttl = Optional.empty(); // the schema refuses it; if one slips by, it deletes nothing
      }
      return new Policy(retention.succeededOrDefault(), retention.failedOrDefault(), ttl);
    }

    /** How the cause reads in an Event, e.g. "over succeeded: 2" or "past ttlAfterFinished 1h". */
    String describe(Cause cause) {
      return switch (cause) {
        case SUCCEEDED_COUNT -> "over succeeded: " + succeeded.orElse(-1);
        case FAILED_COUNT -> "over failed: " + failed.orElse(-1);
        case TTL -> "past ttlAfterFinished " + ttl.map(Durations::format).orElse("?");
      };
    }
  }

  record Doomed(WorkflowInstance instance, Cause cause) {
    String name() {
      return instance.getMetadata().getName();
    }
  }

  /**
   * What to delete, oldest first, and the earliest time a run kept now passes its TTL (empty when
   * none will).
   */
  record Plan(List<Doomed> delete, Optional<Instant> nextExpiry) {}

  private record Finished(WorkflowInstance instance, Instant end, boolean succeeded) {
    String name() {
      return instance.getMetadata().getName();
    }
  }

  private static final Comparator<Finished> NEWEST_FIRST =
      Comparator.comparing(Finished::end).thenComparing(Finished::name).reversed();

  static Plan plan(
      Policy policy, RunStrategyType strategy, List<WorkflowInstance> instances, Instant now) {
    List<Finished> finished = new ArrayList<>();
    for (WorkflowInstance i : instances) {
      if (i.getMetadata().getDeletionTimestamp() != null) continue; // already going
      if (Children.parentRef(i).isPresent()) continue; // goes with its parent
      InstancePhase phase = phase(i);
      if (!phase.isFinal()) continue;
      finished.add(new Finished(i, end(i), phase == InstancePhase.Succeeded));
    }
    finished.sort(NEWEST_FIRST);
    List<Doomed> delete = new ArrayList<>();
    Instant nextExpiry = null;
    int succeeded = 0;
    int failed = 0;
    for (Finished f : finished) {
      int place = f.succeeded() ? succeeded++ : failed++;
      OptionalInt keep = f.succeeded() ? policy.succeeded() : policy.failed();
      Instant expiry = policy.ttl().map(ttl -> plus(f.end(), ttl)).orElse(null);
      Cause cause = null;
      if (keep.isPresent() && place >= keep.getAsInt()) {
        cause = f.succeeded() ? Cause.SUCCEEDED_COUNT : Cause.FAILED_COUNT;
      } else if (expiry != null && !now.isBefore(expiry)) {
        cause = Cause.TTL;
      }
      if (isProtected(f, strategy)) continue;
      if (cause != null) {
        delete.add(new Doomed(f.instance(), cause));
      } else if (expiry != null && (nextExpiry == null || expiry.isBefore(nextExpiry))) {
        nextExpiry = expiry;
      }
    }
    return new Plan(delete.reversed(), Optional.ofNullable(nextExpiry));
  }

  /**
   * Never deleted: a run whose restart was asked and has not started (its spec.restart.run is past
   * its status.run), and under StrictSequential an unsuccessful run not unblocked, which blocks the
   * queue (or would, once the one before it is unblocked).
   */
  private static boolean isProtected(Finished f, RunStrategyType strategy) {
    WorkflowInstance i = f.instance();
    var spec = i.getSpec();
    if (spec != null
        && spec.restart != null
        && spec.restart.run != null
        && spec.restart.run > Restarts.run(i.getStatus())) {
      return true;
    }
    return strategy == RunStrategyType.StrictSequential
        && !f.succeeded()
        && (spec == null || !spec.unblockRequested());
  }

  private static InstancePhase phase(WorkflowInstance i) {
    WorkflowInstanceStatus st = i.getStatus();
    return st == null || st.phase == null ? InstancePhase.Pending : st.phase;
  }

  /** The run's end time; its creation time when it has none (or no readable one). */
  static Instant end(WorkflowInstance i) {
    WorkflowInstanceStatus st = i.getStatus();
    Instant end = st == null ? null : parse(st.endTime);
    if (end != null) return end;
    Instant created = parse(i.getMetadata().getCreationTimestamp());
    return created != null ? created : Instant.EPOCH;
  }

  private static Instant parse(String time) {
    if (time == null) return null;
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code end + ttl}, or null (never) past the end of time. */
  private static Instant plus(Instant end, Duration ttl) {
    return ttl.compareTo(Duration.between(end, Instant.MAX)) >= 0 ? null : end.plus(ttl);
  }
}
