package dev.baton.scheduler;

import dev.baton.api.Durations;
import dev.baton.api.ScheduleStatus;
import dev.baton.api.ScheduleTrigger;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowStatus;
import dev.baton.runtime.EventRecorder;
import dev.baton.triggers.CatchUp;
import dev.baton.triggers.CronSchedule;
import dev.baton.triggers.ScheduledRuns;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a Workflow's schedules on each of its reconciles: creates the runs whose times are due (as
 * {@link CatchUp} plans them), then says on the status what it did and when to look again.
 *
 * <p>Exactly once per scheduled time: a run's name is a pure function of (workflow, schedule,
 * time), so a second create meets AlreadyExists and is verified; the watermark ({@code
 * handledThrough}) goes into the status written after the runs exist. This process also keeps the
 * watermark it reached, since the cached status may not show its last write yet, and the moment it
 * began watching each schedule without a break ({@code since}): times due before it were missed.
 * Only the leader reconciles, so only one process does this at a time.
 */
public final class ScheduleDriver {
  /** The most runs one schedule creates in one pass; the rest follow in the next, at once. */
  static final int MAX_FIRES_PER_PASS = 100;

  private static final String NOT_VALID = "the Workflow is not valid, so no run starts: ";

  /** How long after a failed create the schedule tries again. */
  static final Duration RETRY = Duration.ofSeconds(10);

  private final ScheduledRunCreator creator;
  private final EventRecorder events;
  private final Clock clock;
  private final Map<String, Memory> memory = new ConcurrentHashMap<>();

  /** What this process knows of one schedule. */
  private static final class Memory {
    String definition;
    Instant watermark;
    Instant since;
    String error;

    /** Whether this process has driven the schedule: its fields below beat a stale cache. */
    boolean driven;

    Instant lastTime;
    String lastInstance;
  }

  public ScheduleDriver(KubernetesClient client, EventRecorder events, Clock clock) {
    this.creator = new ScheduledRunCreator(client);
    this.events = events;
    this.clock = clock;
  }

  /**
   * Drives every schedule of {@code workflow} and writes their state into {@code status} (the new
   * status being built, with its Valid condition set). Returns when to reconcile again for the next
   * due time, or null when no schedule needs it.
   *
   * @param invalid why the Workflow is not valid, or null when it is
   */
  public Duration drive(Workflow workflow, String invalid, WorkflowStatus status) {
    var spec = workflow.getSpec();
    List<ScheduleTrigger> schedules =
        spec == null || spec.triggers == null || spec.triggers.schedules == null
            ? List.of()
            : spec.triggers.schedules;
    String uid = workflow.getMetadata().getUid();
    memory.keySet().removeIf(k -> k.startsWith(uid + "/") && !named(schedules, k, uid));
    if (schedules.isEmpty()) return null;
    Instant now = clock.instant();
    Duration wake = null;
    List<ScheduleStatus> out = new ArrayList<>();
    for (ScheduleTrigger s : schedules) {
      if (s == null || s.name == null) continue;
      ScheduleStatus entry = new ScheduleStatus();
      Duration w = driveOne(workflow, s, invalid, previous(workflow, s.name), entry, now);
      out.add(entry);
      if (w != null && (wake == null || w.compareTo(wake) < 0)) wake = w;
    }
    status.schedules = out;
    status.nextScheduledTime =
        out.stream()
            .map(e -> e.nextScheduledTime)
            .filter(Objects::nonNull)
            .min((a, b) -> Instant.parse(a).compareTo(Instant.parse(b)))
            .orElse(null);
    status.lastScheduledTime =
        out.stream()
            .map(e -> e.lastScheduledTime)
            .filter(Objects::nonNull)
            .max((a, b) -> Instant.parse(a).compareTo(Instant.parse(b)))
            .orElse(null);
    return wake;
  }

  private Duration driveOne(
      Workflow workflow,
      ScheduleTrigger s,
      String invalid,
      ScheduleStatus old,
      ScheduleStatus entry,
      Instant now) {
    String key = workflow.getMetadata().getUid() + "/" + s.name;
    Memory mem = memory.computeIfAbsent(key, k -> new Memory());
    String definition = s.cron + " " + s.timeZoneOrDefault();
    entry.name = s.name;
    entry.cron = s.cron;
    entry.timeZone = s.timeZoneOrDefault();
    if (old != null) {
      entry.lastScheduledTime = old.lastScheduledTime;
      entry.lastInstance = old.lastInstance;
      entry.error = old.error;
    }
    // The cached status may predate this process's last write: what it did itself is newer.
    if (mem.driven) entry.error = mem.error;
    if (mem.lastTime != null
        && (entry.lastScheduledTime == null
            || mem.lastTime.isAfter(Instant.parse(entry.lastScheduledTime)))) {
      entry.lastScheduledTime = mem.lastTime.toString();
      entry.lastInstance = mem.lastInstance;
    }
    mem.driven = true;
    Instant watermark = watermark(workflow, old, mem, definition, now);
    mem.definition = definition;
    mem.watermark = watermark;
    entry.handledThrough = watermark.toString();
    if (s.suspended()) {
      entry.suspended = true;
      mem.since = null;
      return null;
    }
    if (invalid != null) {
      mem.since = null;
      fail(workflow, s, mem, entry, NOT_VALID + invalid);
      return null;
    }
    if (entry.error != null && entry.error.startsWith(NOT_VALID)) {
      entry.error = null;
      mem.error = null;
    }
    CronSchedule cron;
    Duration jitter;
    Duration deadline;
    try {
      ZoneId zone = CronSchedule.zone(s.timeZoneOrDefault());
      cron = CronSchedule.parse(s.cron, zone);
      jitter = s.jitter == null ? Duration.ZERO : Durations.parse(s.jitter);
      deadline = s.startingDeadline == null ? null : Durations.parse(s.startingDeadline);
    } catch (IllegalArgumentException e) {
      mem.since = null;
      fail(workflow, s, mem, entry, e.getMessage());
      return null;
    }
    if (mem.since == null) mem.since = now;
    String ns = workflow.getMetadata().getNamespace();
    String wf = workflow.getMetadata().getName();
    CatchUp.Settings settings =
        new CatchUp.Settings(
            cron,
            t -> ScheduledRuns.jitter(ns, wf, s.name, t, jitter),
            jitter,
            s.catchUpOrDefault(),
            s.maxCatchUpOrDefault(),
            deadline);
    CatchUp.Plan plan = CatchUp.plan(settings, watermark, mem.since, now, MAX_FIRES_PER_PASS);

    Instant handled = plan.from();
    Instant firstSkipped = plan.skipsUnlisted(watermark) ? cron.next(watermark) : null;
    if (firstSkipped != null && firstSkipped.isAfter(plan.from())) firstSkipped = null; // none
    Instant lastSkipped = firstSkipped == null ? null : plan.from();
    String skipWhy = firstSkipped == null ? null : "missed (catchUp " + s.catchUpOrDefault() + ")";
    Instant next = plan.next();
    boolean retry = false;
    for (CatchUp.Entry e : plan.entries()) {
      if (e.action() == CatchUp.Action.SKIP) {
        if (firstSkipped == null) firstSkipped = e.time();
        lastSkipped = e.time();
        skipWhy = e.why();
        handled = e.time();
        continue;
      }
      var result = creator.create(workflow, s, cron.zone(), e.time());
      switch (result) {
        case ScheduledRunCreator.Result.Created c -> {
          handled = e.time();
          entry.lastScheduledTime = e.time().toString();
          entry.lastInstance = c.name();
          mem.lastTime = e.time();
          mem.lastInstance = c.name();
          entry.error = null;
          mem.error = null;
          if (!c.existed()) {
            events.record(
                workflow,
                EventRecorder.Type.Normal,
                EventRecorder.Reason.Scheduled,
                "schedule \"" + s.name + "\": created " + c.name() + " for " + e.time());
          }
        }
        case ScheduledRunCreator.Result.Conflict c -> {
          handled = e.time();
          fail(workflow, s, mem, entry, c.message());
        }
        case ScheduledRunCreator.Result.Failed f -> {
          fail(workflow, s, mem, entry, f.message());
          next = e.time();
          retry = true;
        }
      }
      if (retry) break;
    }
    if (firstSkipped != null) {
      events.record(
          workflow,
          EventRecorder.Type.Normal,
          EventRecorder.Reason.ScheduleSkipped,
          "schedule \""
              + s.name
              + "\": skipped the scheduled times from "
              + firstSkipped
              + " to "
              + lastSkipped
              + ": "
              + skipWhy);
    }
    if (handled.isAfter(watermark)) mem.watermark = handled;
    entry.handledThrough = mem.watermark.toString();
    entry.nextScheduledTime = next == null ? null : next.toString();
    if (retry) return RETRY;
    if (next == null) return null;
    if (plan.nextDue()) return Duration.ofMillis(100);
    Instant moment = next.plus(settings.jitter().apply(next));
    // A little after the moment, so the next pass finds the time due.
    return Duration.between(now, moment).plusMillis(20);
  }

  /**
   * Every time up to the watermark has been dealt with. The status's (the newer of it and this
   * process's own); for a schedule seen for the first time, or whose cron or time zone changed, the
   * Workflow's creation when it was in the first spec, else now: no time before a schedule existed
   * ever runs.
   */
  private static Instant watermark(
      Workflow workflow, ScheduleStatus old, Memory mem, String definition, Instant now) {
    Instant fromStatus = null;
    if (old != null
        && old.handledThrough != null
        && definition.equals(old.cron + " " + old.timeZone)) {
      fromStatus = Instant.parse(old.handledThrough);
    }
    Instant fromMemory = definition.equals(mem.definition) ? mem.watermark : null;
    if (fromStatus != null || fromMemory != null) {
      if (fromStatus == null) return fromMemory;
      if (fromMemory == null) return fromStatus;
      return fromStatus.isAfter(fromMemory) ? fromStatus : fromMemory;
    }
    var meta = workflow.getMetadata();
    boolean firstSpec =
        old == null
            && mem.definition == null
            && Objects.equals(meta.getGeneration(), 1L)
            && meta.getCreationTimestamp() != null;
    Instant start = firstSpec ? Instant.parse(meta.getCreationTimestamp()) : now;
    return start.truncatedTo(ChronoUnit.SECONDS);
  }

  /** Records why a time got no run, on the status and, when the reason is new, as an Event. */
  private void fail(
      Workflow workflow, ScheduleTrigger s, Memory mem, ScheduleStatus entry, String why) {
    boolean fresh = !why.equals(mem.error) && !why.equals(entry.error);
    entry.error = why;
    mem.error = why;
    if (fresh) {
      events.record(
          workflow,
          EventRecorder.Type.Warning,
          EventRecorder.Reason.ScheduleFailed,
          "schedule \"" + s.name + "\": " + why);
    }
  }

  private static ScheduleStatus previous(Workflow workflow, String name) {
    WorkflowStatus st = workflow.getStatus();
    if (st == null || st.schedules == null) return null;
    return st.schedules.stream()
        .filter(e -> e != null && name.equals(e.name))
        .findFirst()
        .orElse(null);
  }

  private static boolean named(List<ScheduleTrigger> schedules, String key, String uid) {
    String name = key.substring(uid.length() + 1);
    return schedules.stream().anyMatch(s -> s != null && name.equals(s.name));
  }
}
