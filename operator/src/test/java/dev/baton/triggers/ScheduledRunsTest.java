package dev.baton.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScheduledRunsTest {
  static final Instant T = Instant.parse("2026-01-15T01:00:00Z");

  @Test
  void namesArePureFunctionsOfWorkflowScheduleAndTime() {
    assertThat(ScheduledRuns.instanceName("etl", "nightly", T))
        .isEqualTo("etl-nightly-20260115010000");
    assertThat(ScheduledRuns.instanceName("etl", "nightly", T))
        .isEqualTo(
            ScheduledRuns.instanceName("etl", "nightly", Instant.parse("2026-01-15T01:00:00Z")));
    assertThat(ScheduledRuns.instanceName("etl", "nightly", T.plusSeconds(1))).endsWith("010001");
  }

  @Test
  void longNamesAreHashedDownTo63Characters() {
    String wf = "a-very-long-workflow-name-that-goes-on.and-on-and-on";
    String a = ScheduledRuns.instanceName(wf, "schedule-one", T);
    String b = ScheduledRuns.instanceName(wf, "schedule-two", T);
    assertThat(a).hasSizeLessThanOrEqualTo(63).endsWith("-20260115010000").isNotEqualTo(b);
    assertThat(a).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    assertThat(b).hasSizeLessThanOrEqualTo(63);
    assertThat(ScheduledRuns.instanceName(wf, "schedule-one", T)).isEqualTo(a);
    // Exactly 63 stays readable; 64 is hashed.
    String w49 = "w".repeat(63 - "-s-20260115010000".length());
    assertThat(ScheduledRuns.instanceName(w49, "s", T)).hasSize(63).startsWith(w49 + "-s-");
    assertThat(ScheduledRuns.instanceName(w49 + "x", "s", T)).hasSize(63).doesNotContain(w49 + "x");
  }

  @Test
  void labelAndParam() {
    assertThat(ScheduledRuns.label(T)).isEqualTo("20260115T010000Z");
    assertThat(ScheduledRuns.rfc3339(T, ZoneId.of("Europe/Paris")))
        .isEqualTo("2026-01-15T02:00:00+01:00");
    assertThat(ScheduledRuns.rfc3339(T, ZoneId.of("UTC"))).isEqualTo("2026-01-15T01:00:00Z");
  }

  @Test
  void jitterIsDeterministicBoundedAndSpread() {
    Duration max = Duration.ofMinutes(10);
    Set<Duration> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      Instant t = T.plusSeconds(3600L * i);
      Duration j = ScheduledRuns.jitter("ns", "etl", "nightly", t, max);
      assertThat(j).isEqualTo(ScheduledRuns.jitter("ns", "etl", "nightly", t, max));
      assertThat(j).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(max);
      seen.add(j);
    }
    assertThat(seen).hasSizeGreaterThan(40);
    assertThat(ScheduledRuns.jitter("ns", "etl", "nightly", T, max))
        .isNotEqualTo(ScheduledRuns.jitter("other", "etl", "nightly", T, max));
    assertThat(ScheduledRuns.jitter("ns", "etl", "nightly", T, null)).isZero();
  }
}
