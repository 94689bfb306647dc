package dev.baton.triggers;

import java.text.ParseException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import java.util.TreeSet;
import org.quartz.CronExpression;

/**
 * A cron expression in a time zone, and its fire times. Quartz's {@link CronExpression} parses the
 * fields and walks the wall clock; this class turns wall-clock times into instants by a rule of its
 * own, so that daylight saving time does what README says, whatever Quartz's calendar would do:
 *
 * <ul>
 *   <li>a wall-clock time that does not exist (a spring-forward gap) fires at the first instant
 *       after the gap, and several such times fire once, together;
 *   <li>a wall-clock time that happens twice (a fall-back overlap) fires once, at its first
 *       occurrence.
 * </ul>
 *
 * <p>Immutable and thread-safe: Quartz's expression is read only after parsing.
 */
public final class CronSchedule {
  private static final Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@hourly", "0 * * * *");

  private static final String[] DAY_NAMES = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

  /** A bound on the wall-clock times looked at for one answer (an every-second cron's hour). */
  private static final int MAX_STEPS = 100_000;

  private final String source;
  private final String quartz;
  private final ZoneId zone;
  private final CronExpression wallClock;

  private CronSchedule(String source, String quartz, ZoneId zone, CronExpression wallClock) {
    this.source = source;
    this.quartz = quartz;
    this.zone = zone;
    this.wallClock = wallClock;
  }

  /**
   * Parses {@code cron} for {@code zone}. Throws IllegalArgumentException with a message for a
   * person: what is wrong and, where it helps, what to write instead.
   */
  public static CronSchedule parse(String cron, ZoneId zone) {
    String quartz = toQuartz(cron);
    try {
      CronExpression e = new CronExpression(quartz);
      // Evaluated on the wall clock: UTC has no transitions, so Quartz's answers are local times.
      e.setTimeZone(TimeZone.getTimeZone(ZoneOffset.UTC));
      return new CronSchedule(cron, quartz, zone, e);
    } catch (ParseException | RuntimeException ex) {
      String why = ex.getMessage() == null ? ex.toString() : ex.getMessage();
      throw new IllegalArgumentException(
          "'" + cron + "' is not a valid cron expression: " + why.trim());
    }
  }

  /** An IANA time zone by name; IllegalArgumentException naming it when unknown. */
  public static ZoneId zone(String name) {
    try {
      return ZoneId.of(name == null ? "UTC" : name);
    } catch (java.time.DateTimeException e) {
      throw new IllegalArgumentException(
          "'" + name + "' is not a known time zone (an IANA name such as Europe/Paris, or UTC)");
    }
  }

  public String source() {
    return source;
  }

  /** The Quartz expression evaluated (a 5-field cron as Quartz writes it). */
  public String quartz() {
    return quartz;
  }

  public ZoneId zone() {
    return zone;
  }

  /** The first scheduled instant strictly after {@code after}; null when there is none. */
  public Instant next(Instant after) {
    LocalDateTime local = LocalDateTime.ofInstant(after, zone);
    Date cursor = Date.from(local.toInstant(ZoneOffset.UTC));
    for (int i = 0; i < MAX_STEPS; i++) {
      Date n = wallClock.getNextValidTimeAfter(cursor);
      if (n == null) return null;
      Instant at = instantOf(LocalDateTime.ofInstant(n.toInstant(), ZoneOffset.UTC));
      // Times in an overlap's second pass, or collapsed onto a gap's end, can map to or before
      // `after`; they have fired already.
      if (at.isAfter(after)) return at;
      cursor = n;
    }
    return null;
  }

  /** The instant of a wall-clock time, under the daylight-saving rules of the class comment. */
  Instant instantOf(LocalDateTime local) {
    ZoneRules rules = zone.getRules();
    List<ZoneOffset> offsets = rules.getValidOffsets(local);
    if (offsets.isEmpty()) {
      ZoneOffsetTransition gap = rules.getTransition(local);
      return gap.getInstant();
    }
    // In an overlap the first offset is the one before the transition: the earlier instant.
    return local.toInstant(offsets.getFirst());
  }

  /**
   * A cron as Quartz reads it: 6 or 7 fields pass unchanged; 5 fields (standard cron) get a 0
   * seconds field, their day-of-week turned into Quartz's (standard cron counts Sunday as 0 or 7,
   * Quartz as 1), and the '?' Quartz needs in the day field that is not restricted.
   */
  static String toQuartz(String cron) {
    if (cron == null || cron.isBlank()) throw new IllegalArgumentException("cron is empty");
    String text = cron.trim();
    if (text.startsWith("@")) {
      String macro = MACROS.get(text.toLowerCase(Locale.ROOT));
      if (macro == null) {
        throw new IllegalArgumentException(
            "'"
                + text
                + "' is not one of @yearly, @annually, @monthly, @weekly, @daily,"
                + " @midnight, @hourly");
      }
      text = macro;
    }
    String[] f = text.split("\\s+");
    if (f.length == 6 || f.length == 7) return String.join(" ", f);
    if (f.length != 5) {
      throw new IllegalArgumentException(
          "'"
              + cron
              + "' has "
              + f.length
              + " fields: write 5 (minute hour day-of-month month day-of-week) or 6-7 (Quartz:"
              + " second minute hour day-of-month month day-of-week [year])");
    }
    boolean anyDay = f[2].equals("*") || f[2].equals("?");
    boolean anyWeekday = f[4].equals("*") || f[4].equals("?");
    if (!anyDay && !anyWeekday) {
      throw new IllegalArgumentException(
          "'"
              + cron
              + "' restricts both day-of-month and day-of-week; standard cron would run when either"
              + " matches, which Quartz cannot say: write two schedules");
    }
    String day = anyDay ? (anyWeekday ? "*" : "?") : f[2];
    String weekday = anyWeekday ? "?" : standardWeekdays(cron, f[4]);
    return "0 " + f[0] + " " + f[1] + " " + day + " " + f[3] + " " + weekday;
  }

  /** A standard cron day-of-week field as a Quartz list of day names. */
  private static String standardWeekdays(String cron, String field) {
    TreeSet<Integer> days = new TreeSet<>();
    for (String item : field.split(",", -1)) {
      String base = item;
      int step = 1;
      int slash = item.indexOf('/');
      if (slash >= 0) {
        base = item.substring(0, slash);
        step = weekdayNumber(cron, item.substring(slash + 1), 1, 7);
      }
      int from;
      int to;
      if (base.equals("*")) {
        from = 0;
        to = 6;
      } else if (base.contains("-")) {
        String[] ends = base.split("-", -1);
        if (ends.length != 2) throw badWeekday(cron, item);
        from = weekdayNumber(cron, ends[0], 0, 7);
        to = weekdayNumber(cron, ends[1], 0, 7);
        if (to < from) throw badWeekday(cron, item);
      } else {
        from = weekdayNumber(cron, base, 0, 7);
        to = slash >= 0 ? 6 : from;
      }
      for (int d = from; d <= to; d += step) days.add(d % 7);
    }
    List<String> names = new ArrayList<>();
    for (int d : days) names.add(DAY_NAMES[d]);
    return String.join(",", names);
  }

  private static int weekdayNumber(String cron, String text, int min, int max) {
    for (int i = 0; i < DAY_NAMES.length; i++) {
      if (DAY_NAMES[i].equalsIgnoreCase(text) && min == 0) return i;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= min && n <= max) return n;
    } catch (NumberFormatException e) {
      // below
    }
    throw badWeekday(cron, text);
  }

  private static IllegalArgumentException badWeekday(String cron, String text) {
    return new IllegalArgumentException(
        "'"
            + cron
            + "': day-of-week '"
            + text
            + "' is not standard cron (0-7 or SUN-SAT, ranges, lists, steps); Quartz's L and #"
            + " need the 6-field form");
  }

  @Override
  public String toString() {
    return source + " (" + zone + ")";
  }
}
