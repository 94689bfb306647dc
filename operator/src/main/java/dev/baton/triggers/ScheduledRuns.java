package dev.baton.triggers;

import dev.baton.util.Digests;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What identifies the run of one scheduled time, each a pure function of (namespace, workflow,
 * schedule, scheduled time): its instance name, its label value, its scheduledTime param, its
 * jitter offset. A restarted operator, or another replica, computes the same.
 */
public final class ScheduledRuns {
  /** An instance name is a label value: at most 63 characters. */
  public static final int MAX_NAME = 63;

  private static final DateTimeFormatter NAME_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter LABEL_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final int HASH = 10;

  private ScheduledRuns() {}

  /**
   * {@code <workflow>-<schedule>-<yyyyMMddHHmmss>}, the time in UTC; when that is over 63
   * characters, the first 37 characters of {@code <workflow>-<schedule>}, a 10-character hash of
   * the two, and the time.
   */
  public static String instanceName(String workflow, String schedule, Instant scheduled) {
    String stamp = NAME_STAMP.format(scheduled);
    String full = workflow + "-" + schedule + "-" + stamp;
    if (full.length() <= MAX_NAME) return full;
    int room = MAX_NAME - stamp.length() - HASH - 2;
    String head = (workflow + "-" + schedule).substring(0, room);
    head = head.replaceAll("[-.]+$", "");
    return head + "-" + Digests.sha256Base32(workflow + "/" + schedule, HASH) + "-" + stamp;
  }

  /** The baton.dev/scheduled-time label's value: {@code 20260115T010000Z} (UTC). */
  public static String label(Instant scheduled) {
    return LABEL_STAMP.format(scheduled);
  }

  /** The scheduledTime param: RFC 3339 with the zone's offset, e.g. 2026-01-15T02:00:00+01:00. */
  public static String rfc3339(Instant scheduled, ZoneId zone) {
    return OffsetDateTime.ofInstant(scheduled, zone).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
  }

  /**
   * How long after its scheduled time a run is created: a number in [0, jitter), to the
   * millisecond, from the SHA-256 of (namespace, workflow, schedule, scheduled epoch second).
   */
  public static Duration jitter(
      String namespace, String workflow, String schedule, Instant scheduled, Duration jitter) {
    if (jitter == null || jitter.toMillis() <= 0) return Duration.ZERO;
    String key = namespace + "/" + workflow + "/" + schedule + "/" + scheduled.getEpochSecond();
    byte[] d = Digests.sha256(key.getBytes(StandardCharsets.UTF_8));
    long h = 0;
    for (int i = 0; i < 8; i++) h = (h << 8) | (d[i] & 0xff);
    return Duration.ofMillis(Long.remainderUnsigned(h, jitter.toMillis()));
  }
}
