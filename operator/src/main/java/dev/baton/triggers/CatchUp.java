package dev.baton.triggers;

import dev.baton.api.CatchUpPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which scheduled times run now: a pure function of the schedule, the watermark (every time up to
 * it has been dealt with), the moment from which the schedule has been watched without a break
 * ({@code since}) and the clock.
 *
 * <p>A time's <em>moment</em> is the time plus its jitter offset; the time is <em>due</em> once its
 * moment has come. A due time is <em>missed</em> when its moment came before {@code since}: no
 * operator watched the schedule then (it was down, the schedule suspended, the Workflow invalid). A
 * due time that is not missed runs. Missed times run as the policy says: None, none of them;
 * Latest, the most recent; All, the most recent {@code maxCatchUp}, oldest first. Under every
 * policy a time whose moment is more than {@code startingDeadline} before now is skipped. Times are
 * dealt with in order: a due time after one that is not yet due waits for it.
 */
public final class CatchUp {
  /** The most due times one plan looks at; older ones are skipped unlisted. */
  static final int MAX_LISTED = 20_000;

  private static final Duration FIRST_WINDOW = Duration.ofMinutes(1);

  /**
   * One schedule's settings.
   *
   * @param jitter a time's jitter offset
   * @param maxJitter the bound of those offsets (exclusive); zero for none
   * @param deadline startingDeadline; null for none
   */
  public record Settings(
      CronSchedule cron,
      Function<Instant, Duration> jitter,
      Duration maxJitter,
      CatchUpPolicy policy,
      int maxCatchUp,
      Duration deadline) {
    Instant moment(Instant time) {
      return time.plus(jitter.apply(time));
    }
  }

  public enum Action {
    FIRE,
    SKIP
  }

  /** A due time and what to do with it; {@code why} says why a skipped one is skipped. */
  public record Entry(Instant time, Action action, String why) {}

  /**
   * What to do now.
   *
   * @param from every time after the watermark up to and including this one is skipped without
   *     being listed (it equals the watermark when there are none)
   * @param entries the due times after {@code from}, in order, each with its action
   * @param next the first time after the entries, null when the cron has no more
   * @param nextDue whether {@code next} is due already (more than {@code maxFires} runs were due):
   *     plan again at once
   */
  public record Plan(Instant from, List<Entry> entries, Instant next, boolean nextDue) {
    public List<Instant> fires() {
      return entries.stream().filter(e -> e.action == Action.FIRE).map(Entry::time).toList();
    }

    public boolean skipsUnlisted(Instant watermark) {
      return from.isAfter(watermark);
    }
  }

  private CatchUp() {}

  public static Plan plan(Settings s, Instant watermark, Instant since, Instant now, int maxFires) {
    Instant from = start(s, watermark, since, now);
    List<Instant> due = new ArrayList<>();
    Instant t = s.cron.next(from);
    while (t != null && !s.moment(t).isAfter(now) && due.size() < MAX_LISTED) {
      due.add(t);
      t = s.cron.next(t);
    }
    // The missed times that run: the last `keep` of them.
    int keep =
        switch (s.policy) {
          case None -> 0;
          case Latest -> 1;
          case All -> s.maxCatchUp;
        };
    int missed = 0;
    for (Instant d : due) if (isMissed(s, d, since) && !isLate(s, d, now)) missed++;
    int missedSeen = 0;
    List<Entry> entries = new ArrayList<>();
    int fires = 0;
    for (int i = 0; i < due.size(); i++) {
      Instant d = due.get(i);
      Entry e;
      if (isLate(s, d, now)) {
        e = new Entry(d, Action.SKIP, "its run could not start within startingDeadline");
      } else if (isMissed(s, d, since)) {
        missedSeen++;
        e =
            missedSeen > missed - keep
                ? new Entry(d, Action.FIRE, null)
                : new Entry(d, Action.SKIP, "missed (catchUp " + s.policy + ")");
      } else {
        e = new Entry(d, Action.FIRE, null);
      }
      if (e.action == Action.FIRE && fires == maxFires) {
        return new Plan(from, entries, d, true);
      }
      if (e.action == Action.FIRE) fires++;
      entries.add(e);
    }
    return new Plan(from, entries, t, t != null && !s.moment(t).isAfter(now));
  }

  private static boolean isMissed(Settings s, Instant time, Instant since) {
    return s.moment(time).isBefore(since);
  }

  private static boolean isLate(Settings s, Instant time, Instant now) {
    return s.deadline != null && s.moment(time).plus(s.deadline).isBefore(now);
  }

  /**
   * Where to start listing: the watermark, or later when the times in between would all be skipped
   * anyway: past the startingDeadline, or missed and older than the ones the policy keeps. Found
   * without walking a long outage second by second: the window before {@code since} grows eightfold
   * until it holds the missed times the policy keeps.
   */
  private static Instant start(Settings s, Instant watermark, Instant since, Instant now) {
    Duration slack = s.maxJitter.plusSeconds(1);
    Instant from = watermark;
    if (s.deadline != null) from = later(from, now.minus(s.deadline).minus(slack));
    int keep =
        switch (s.policy) {
          case None -> 0;
          case Latest -> 1;
          case All -> s.maxCatchUp;
        };
    Instant onTime = since.minus(slack); // no time before this one is on time
    if (keep == 0) return later(from, onTime);
    for (Duration w = FIRST_WINDOW; ; w = w.multipliedBy(8)) {
      Instant candidate = onTime.minus(w);
      if (!candidate.isAfter(from)) return from;
      int count = 0;
      for (Instant t = s.cron.next(candidate);
          t != null && t.isBefore(since) && count < keep;
          t = s.cron.next(t)) {
        if (isMissed(s, t, since)) count++;
      }
      if (count >= keep) return candidate;
      if (w.compareTo(Duration.ofDays(365 * 200)) > 0) return from;
    }
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
