package dev.baton.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.CatchUpPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which due times run, with a fixed clock: the operator up, restarted, resumed, late. */
class CatchUpTest {
  static final CronSchedule EVERY_MINUTE = CronSchedule.parse("* * * * *", ZoneId.of("UTC"));

  static Instant at(String hhmmss) {
    return Instant.parse("2026-01-15T" + hhmmss + "Z");
  }

  static CatchUp.Settings settings(CatchUpPolicy policy, int max, Duration deadline) {
    return new CatchUp.Settings(
        EVERY_MINUTE, t -> Duration.ZERO, Duration.ZERO, policy, max, deadline);
  }

  static List<Instant> minutes(String from, String to) {
    List<Instant> out = new ArrayList<>();
    for (Instant t = at(from); !t.isAfter(at(to)); t = t.plusSeconds(60)) out.add(t);
    return out;
  }

  /** The clock a test reads "now" from; fixed, as a restarted operator would see it. */
  static Instant now(String hhmmss) {
    return Clock.fixed(at(hhmmss), ZoneOffset.UTC).instant();
  }

  @Test
  void nothingDueNothingRuns() {
    for (CatchUpPolicy p : CatchUpPolicy.values()) {
      var plan =
          CatchUp.plan(settings(p, 10, null), at("10:00:00"), at("10:00:00"), now("10:00:30"), 100);
      assertThat(plan.entries()).isEmpty();
      assertThat(plan.skipsUnlisted(at("10:00:00"))).isFalse();
      assertThat(plan.next()).isEqualTo(at("10:01:00"));
      assertThat(plan.nextDue()).isFalse();
    }
  }

  @Test
  void aTimeReachedWhileWatchingRunsUnderEveryPolicy() {
    for (CatchUpPolicy p : CatchUpPolicy.values()) {
      var plan =
          CatchUp.plan(
              settings(p, 10, null), at("10:00:00"), at("09:00:00"), now("10:01:00.300"), 100);
      assertThat(plan.fires()).as(p.name()).containsExactly(at("10:01:00"));
      assertThat(plan.next()).isEqualTo(at("10:02:00"));
    }
  }

  @Test
  void oneMissedTime() {
    // The operator was down at 10:01 and started watching at 10:01:30.
    Instant since = at("10:01:30");
    var none =
        CatchUp.plan(
            settings(CatchUpPolicy.None, 10, null), at("10:00:00"), since, now("10:01:30"), 100);
    assertThat(none.fires()).isEmpty();
    assertThat(none.skipsUnlisted(at("10:00:00"))).isTrue(); // 10:01, skipped without a listing
    assertThat(lastHandled(none)).isAfterOrEqualTo(at("10:01:00"));
    assertThat(none.next()).isEqualTo(at("10:02:00"));
    assertThat(
            CatchUp.plan(
                    settings(CatchUpPolicy.Latest, 10, null),
                    at("10:00:00"),
                    since,
                    now("10:01:30"),
                    100)
                .fires())
        .containsExactly(at("10:01:00"));
    assertThat(
            CatchUp.plan(
                    settings(CatchUpPolicy.All, 10, null),
                    at("10:00:00"),
                    since,
                    now("10:01:30"),
                    100)
                .fires())
        .containsExactly(at("10:01:00"));
  }

  @Test
  void manyMissedTimes() {
    // Down from 10:00 to 10:30:30: 10:01 to 10:30 were missed.
    Instant since = at("10:30:30");
    var none =
        CatchUp.plan(
            settings(CatchUpPolicy.None, 10, null), at("10:00:00"), since, now("10:30:30"), 100);
    assertThat(none.fires()).isEmpty();
    assertThat(lastHandled(none)).isAfterOrEqualTo(at("10:30:00")).isBefore(at("10:31:00"));
    assertThat(none.next()).isEqualTo(at("10:31:00"));

    var latest =
        CatchUp.plan(
            settings(CatchUpPolicy.Latest, 10, null), at("10:00:00"), since, now("10:30:30"), 100);
    assertThat(latest.fires()).containsExactly(at("10:30:00"));
    assertThat(lastHandled(latest)).isEqualTo(at("10:30:00"));

    var all =
        CatchUp.plan(
            settings(CatchUpPolicy.All, 10, null), at("10:00:00"), since, now("10:30:30"), 100);
    assertThat(all.fires()).containsExactlyElementsOf(minutes("10:21:00", "10:30:00"));
    assertThat(all.next()).isEqualTo(at("10:31:00"));

    var allOfThem =
        CatchUp.plan(
            settings(CatchUpPolicy.All, 1000, null), at("10:00:00"), since, now("10:30:30"), 100);
    assertThat(allOfThem.fires()).containsExactlyElementsOf(minutes("10:01:00", "10:30:00"));
    assertThat(allOfThem.skipsUnlisted(at("10:00:00"))).isFalse();
  }

  @Test
  void maxCatchUpKeepsTheMostRecentAndSkipsTheRestInOrder() {
    var plan =
        CatchUp.plan(
            settings(CatchUpPolicy.All, 3, null),
            at("10:00:00"),
            at("10:10:30"),
            now("10:10:30"),
            100);
    assertThat(plan.fires()).containsExactly(at("10:08:00"), at("10:09:00"), at("10:10:00"));
    // Every skipped time comes before the first that runs, listed or not.
    for (var e : plan.entries()) {
      if (e.action() == CatchUp.Action.SKIP) assertThat(e.time()).isBefore(at("10:08:00"));
    }
  }

  @Test
  void missedAndOnTimeTimesTogether() {
    // Started watching at 10:10:30 (10:01..10:10 missed); a pass at 10:12:30 finds 10:11, 10:12
    // too,
    // e.g. because the API server refused the creates meanwhile: those were not missed.
    Instant since = at("10:10:30");
    assertThat(
            CatchUp.plan(
                    settings(CatchUpPolicy.None, 10, null),
                    at("10:00:00"),
                    since,
                    now("10:12:30"),
                    100)
                .fires())
        .containsExactly(at("10:11:00"), at("10:12:00"));
    assertThat(
            CatchUp.plan(
                    settings(CatchUpPolicy.Latest, 10, null),
                    at("10:00:00"),
                    since,
                    now("10:12:30"),
                    100)
                .fires())
        .containsExactly(at("10:10:00"), at("10:11:00"), at("10:12:00"));
    assertThat(
            CatchUp.plan(
                    settings(CatchUpPolicy.All, 2, null),
                    at("10:00:00"),
                    since,
                    now("10:12:30"),
                    100)
                .fires())
        .containsExactly(at("10:09:00"), at("10:10:00"), at("10:11:00"), at("10:12:00"));
  }

  @Test
  void startingDeadlineSkipsWhatIsTooLateUnderEveryPolicy() {
    Duration fiveMinutes = Duration.ofMinutes(5);
    var all =
        CatchUp.plan(
            settings(CatchUpPolicy.All, 1000, fiveMinutes),
            at("10:00:00"),
            at("10:30:30"),
            now("10:30:30"),
            100);
    assertThat(all.fires()).containsExactlyElementsOf(minutes("10:26:00", "10:30:00"));
    assertThat(all.skipsUnlisted(at("10:00:00"))).isTrue();
    // On time but slow: a pass 2 minutes late with a 1-minute deadline skips it.
    var none =
        CatchUp.plan(
            settings(CatchUpPolicy.None, 10, Duration.ofMinutes(1)),
            at("10:00:00"),
            at("09:00:00"),
            now("10:03:30"),
            100);
    assertThat(none.fires()).containsExactly(at("10:03:00"));
    assertThat(none.skipsUnlisted(at("10:00:00"))).isTrue(); // 10:01 and 10:02
    // A time found too late is listed as skipped when the pass comes within the listing window.
    var late =
        CatchUp.plan(
            new CatchUp.Settings(
                EVERY_MINUTE,
                t -> Duration.ZERO,
                Duration.ofSeconds(59),
                CatchUpPolicy.None,
                10,
                Duration.ofSeconds(10)),
            at("10:00:00"),
            at("09:00:00"),
            now("10:01:30"),
            100);
    assertThat(late.entries())
        .extracting(CatchUp.Entry::action)
        .containsExactly(CatchUp.Action.SKIP);
    assertThat(late.entries().getFirst().why()).contains("startingDeadline");
  }

  @Test
  void aLongOutageOfAnEverySecondScheduleIsPlannedWithoutWalkingIt() {
    CronSchedule everySecond = CronSchedule.parse("* * * * * ?", ZoneId.of("UTC"));
    var s =
        new CatchUp.Settings(
            everySecond, t -> Duration.ZERO, Duration.ZERO, CatchUpPolicy.All, 10, null);
    Instant now = Instant.parse("2026-02-15T10:00:00.500Z");
    long started = System.nanoTime();
    var plan = CatchUp.plan(s, Instant.parse("2026-01-15T10:00:00Z"), now, now, 100);
    assertThat(plan.fires()).hasSize(10).last().isEqualTo(Instant.parse("2026-02-15T10:00:00Z"));
    assertThat(plan.skipsUnlisted(Instant.parse("2026-01-15T10:00:00Z"))).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void moreDueThanOnePassCreatesLeavesTheRestForTheNextPass() {
    CronSchedule everySecond = CronSchedule.parse("* * * * * ?", ZoneId.of("UTC"));
    var s =
        new CatchUp.Settings(
            everySecond, t -> Duration.ZERO, Duration.ZERO, CatchUpPolicy.None, 10, null);
    var plan = CatchUp.plan(s, at("10:00:00"), at("09:00:00"), now("10:05:00"), 100);
    assertThat(plan.fires()).hasSize(100).last().isEqualTo(at("10:01:40"));
    assertThat(plan.next()).isEqualTo(at("10:01:41"));
    assertThat(plan.nextDue()).isTrue();
  }

  @Test
  void jitterDelaysTheMomentAndKeepsTheOrder() {
    // 10:01 has 50 s of jitter, 10:02 none: at 10:02:10, 10:01 is due (10:01:50), so is 10:02.
    // At 10:01:40 neither is; 10:02 never runs before 10:01.
    var s =
        new CatchUp.Settings(
            EVERY_MINUTE,
            t -> t.equals(at("10:01:00")) ? Duration.ofSeconds(50) : Duration.ZERO,
            Duration.ofSeconds(59),
            CatchUpPolicy.All,
            10,
            null);
    assertThat(CatchUp.plan(s, at("10:00:00"), at("09:00:00"), now("10:01:40"), 100).fires())
        .isEmpty();
    assertThat(CatchUp.plan(s, at("10:00:00"), at("09:00:00"), now("10:02:10"), 100).fires())
        .containsExactly(at("10:01:00"), at("10:02:00"));
  }

  static Instant lastHandled(CatchUp.Plan plan) {
    return plan.entries().isEmpty() ? plan.from() : plan.entries().getLast().time();
  }
}
