package dev.baton.triggers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  static final ZoneId UTC = ZoneId.of("UTC");
  static final ZoneId PARIS = ZoneId.of("Europe/Paris");
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  static Instant at(String s) {
    return Instant.parse(s);
  }

  static List<Instant> times(CronSchedule c, String after, int n) {
    List<Instant> out = new ArrayList<>();
    Instant t = at(after);
    for (int i = 0; i < n; i++) {
      t = c.next(t);
      out.add(t);
    }
    return out;
  }

  @Test
  void standardFiveFieldsInUtc() {
    CronSchedule c = CronSchedule.parse("*/15 * * * *", UTC);
    assertThat(c.quartz()).isEqualTo("0 */15 * * * ?");
    assertThat(times(c, "2026-01-15T10:07:00Z", 2))
        .containsExactly(at("2026-01-15T10:15:00Z"), at("2026-01-15T10:30:00Z"));
    // Strictly after: a time exactly on a fire time goes to the next one.
    assertThat(c.next(at("2026-01-15T10:15:00Z"))).isEqualTo(at("2026-01-15T10:30:00Z"));
  }

  @Test
  void quartzSixFieldsWithSeconds() {
    CronSchedule c = CronSchedule.parse("*/5 * * * * ?", UTC);
    assertThat(times(c, "2026-01-15T10:00:02.500Z", 3))
        .containsExactly(
            at("2026-01-15T10:00:05Z"), at("2026-01-15T10:00:10Z"), at("2026-01-15T10:00:15Z"));
  }

  @Test
  void standardDayOfWeekCountsSundayAsZeroOrSeven() {
    // 2026-01-18 is a Sunday.
    for (String sunday : List.of("0", "7", "SUN", "sun")) {
      CronSchedule c = CronSchedule.parse("0 9 * * " + sunday, UTC);
      assertThat(c.next(at("2026-01-15T00:00:00Z"))).isEqualTo(at("2026-01-18T09:00:00Z"));
    }
    CronSchedule weekdays = CronSchedule.parse("0 9 * * 1-5", UTC);
    assertThat(weekdays.quartz()).isEqualTo("0 0 9 ? * MON,TUE,WED,THU,FRI");
    assertThat(times(weekdays, "2026-01-16T10:00:00Z", 2)) // a Friday, after 9
        .containsExactly(at("2026-01-19T09:00:00Z"), at("2026-01-20T09:00:00Z"));
    assertThat(CronSchedule.parse("0 9 * * */2", UTC).quartz()).endsWith("SUN,TUE,THU,SAT");
    assertThat(CronSchedule.parse("0 9 * * 5-7", UTC).quartz()).endsWith("SUN,FRI,SAT");
  }

  @Test
  void macros() {
    assertThat(CronSchedule.parse("@daily", UTC).next(at("2026-01-15T10:00:00Z")))
        .isEqualTo(at("2026-01-16T00:00:00Z"));
    assertThat(CronSchedule.parse("@hourly", UTC).next(at("2026-01-15T10:00:00Z")))
        .isEqualTo(at("2026-01-15T11:00:00Z"));
  }

  @Test
  void badExpressionsSayWhatIsWrong() {
    assertThatThrownBy(() -> CronSchedule.parse("0 9 1 * 1", UTC))
        .hasMessageContaining("restricts both day-of-month and day-of-week");
    assertThatThrownBy(() -> CronSchedule.parse("* * *", UTC)).hasMessageContaining("has 3 fields");
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *", UTC))
        .hasMessageContaining("is not a valid cron expression");
    assertThatThrownBy(() -> CronSchedule.parse("0 0 9 * * 1", UTC))
        .hasMessageContaining("is not a valid cron expression");
    assertThatThrownBy(() -> CronSchedule.parse("0 9 * * 5L", UTC))
        .hasMessageContaining("is not standard cron");
    assertThatThrownBy(() -> CronSchedule.parse("@often", UTC)).hasMessageContaining("@daily");
    assertThatThrownBy(() -> CronSchedule.zone("Mars/Olympus"))
        .hasMessageContaining("not a known time zone");
  }

  @Test
  void readsTheFieldsInTheTimeZone() {
    CronSchedule c = CronSchedule.parse("0 2 * * *", PARIS);
    assertThat(c.next(at("2026-01-15T00:00:00Z"))).isEqualTo(at("2026-01-15T01:00:00Z")); // CET
    assertThat(c.next(at("2026-07-14T23:00:00Z"))).isEqualTo(at("2026-07-15T00:00:00Z")); // CEST
  }

  @Test
  void aTimeInTheSpringForwardGapFiresWhenTheGapEnds() {
    // Paris, 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 does not exist that day.
    CronSchedule c = CronSchedule.parse("30 2 * * *", PARIS);
    assertThat(times(c, "2026-03-28T12:00:00Z", 2))
        .containsExactly(at("2026-03-29T01:00:00Z"), at("2026-03-30T00:30:00Z"));
  }

  @Test
  void theTimesOfOneGapFireOnceTogether() {
    CronSchedule c = CronSchedule.parse("*/15 * * * *", PARIS);
    // 01:45 CET, then 02:00..02:45 (none exists) and 03:00 CEST are all 01:00Z: one fire.
    assertThat(times(c, "2026-03-29T00:30:00Z", 4))
        .containsExactly(
            at("2026-03-29T00:45:00Z"),
            at("2026-03-29T01:00:00Z"),
            at("2026-03-29T01:15:00Z"),
            at("2026-03-29T01:30:00Z"));
  }

  @Test
  void aTimeThatHappensTwiceFiresOnceAtItsFirstOccurrence() {
    // Paris, 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z); 02:30 happens at 00:30Z and 01:30Z.
    CronSchedule c = CronSchedule.parse("30 2 * * *", PARIS);
    assertThat(times(c, "2026-10-24T12:00:00Z", 2))
        .containsExactly(at("2026-10-25T00:30:00Z"), at("2026-10-26T01:30:00Z"));
    // Hourly: 02:00 CEST (00:00Z) fires, 02:00 CET (01:00Z) does not, 03:00 CET (02:00Z) does.
    CronSchedule hourly = CronSchedule.parse("0 * * * *", PARIS);
    assertThat(times(hourly, "2026-10-24T23:30:00Z", 3))
        .containsExactly(
            at("2026-10-25T00:00:00Z"), at("2026-10-25T02:00:00Z"), at("2026-10-25T03:00:00Z"));
    // Asked from inside the repeated hour, the next time is the one after it.
    assertThat(hourly.next(at("2026-10-25T01:10:00Z"))).isEqualTo(at("2026-10-25T02:00:00Z"));
  }

  @Test
  void newYorkTransitions() {
    // 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z).
    CronSchedule c = CronSchedule.parse("0 30 1,2 * * ?", NEW_YORK);
    assertThat(times(c, "2026-03-08T05:00:00Z", 3))
        .containsExactly(
            at("2026-03-08T06:30:00Z"), // 01:30 EST
            at("2026-03-08T07:00:00Z"), // 02:30 does not exist: 03:00 EDT
            at("2026-03-09T05:30:00Z")); // 01:30 EDT
    assertThat(times(c, "2026-11-01T04:00:00Z", 3))
        .containsExactly(
            at("2026-11-01T05:30:00Z"), // 01:30 EDT; 01:30 EST (06:30Z) does not fire
            at("2026-11-01T07:30:00Z"), // 02:30 EST
            at("2026-11-02T06:30:00Z"));
  }

  @Test
  void aCronWithNoMoreTimesEnds() {
    CronSchedule c = CronSchedule.parse("0 0 0 1 1 ? 2027", UTC);
    assertThat(c.next(at("2026-06-01T00:00:00Z"))).isEqualTo(at("2027-01-01T00:00:00Z"));
    assertThat(c.next(at("2027-01-01T00:00:00Z"))).isNull();
  }
}
