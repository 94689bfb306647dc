package dev.baton.api;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users write them: "90s", "30m", "2h", "1h30m", "10d", "500ms". */
public final class Durations {
  /** The schema pattern for every duration field. */
  public static final String PATTERN = "^([0-9]{1,9}(ms|s|m|h|d))+$";

  private static final Pattern PART = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");
  private static final Pattern WHOLE = Pattern.compile(PATTERN);

  private Durations() {}

  public static boolean isValid(String text) {
    return text != null && WHOLE.matcher(text).matches();
  }

  /**
   * Parses a duration. Throws {@link IllegalArgumentException} naming the text when it does not
   * match {@link #PATTERN}.
   */
  public static Duration parse(String text) {
    if (!isValid(text)) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration such as 90s, 30m, 2h or 1h30m");
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> throw new IllegalStateException(m.group(2));
              });
    }
    return total;
  }

  /** Parses {@code text}, or returns {@code fallback} when it is null. */
  public static Duration parseOr(String text, Duration fallback) {
    return text == null ? fallback : parse(text);
  }

  /** Writes a duration back in the short form, e.g. "1h30m". */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    long days = d.toDays();
    if (days > 0) sb.append(days).append('d');
    if (d.toHoursPart() > 0) sb.append(d.toHoursPart()).append('h');
    if (d.toMinutesPart() > 0) sb.append(d.toMinutesPart()).append('m');
    if (d.toSecondsPart() > 0) sb.append(d.toSecondsPart()).append('s');
    if (d.toMillisPart() > 0) sb.append(d.toMillisPart()).append("ms");
    return sb.toString();
  }

  /** The sooner of two optional delays; empty when both are. */
  public static Optional<Duration> earliest(Optional<Duration> a, Optional<Duration> b) {
    if (a.isEmpty()) return b;
    if (b.isEmpty()) return a;
    return a.get().compareTo(b.get()) <= 0 ? a : b;
  }
}
