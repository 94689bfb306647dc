package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.ScheduleStatus;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.triggers.ScheduledRuns;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Schedules through the real operator on the mock server: runs created once per scheduled time,
 * with their labels and scheduledTime, the status recorded, and the catch-up policies after the
 * operator was down (a clock moved forward while it was stopped).
 */
class SchedulesIntegrationTest extends OperatorOnMockServer {
  static final Duration WAIT = Duration.ofSeconds(30);

  /** The system clock plus an offset the test moves while no operator runs. */
  static final class MovableClock extends Clock {
    volatile Duration offset = Duration.ZERO;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset);
    }
  }

  static String workflow(String name, String schedule) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: %s
    spec:
      runStrategy: {type: Parallel, concurrency: 1000}
      params:
        - {name: scheduledTime, type: string, default: "manual"}
        - {name: table, type: string}
      triggers:
        schedules:
          - %s
      steps:
        - {id: a, type: noop}
    """
        .formatted(name, schedule);
  }

  List<WorkflowInstance> runsOf(String workflow) {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .list()
        .getItems()
        .stream()
        .filter(i -> workflow.equals(i.getSpec().workflow))
        .sorted(Comparator.comparing(i -> i.getMetadata().getName()))
        .toList();
  }

  static Instant timeOf(WorkflowInstance i) {
    String label = i.getMetadata().getLabels().get(Labels.SCHEDULED_TIME);
    return Instant.parse(
        label.substring(0, 4)
            + "-"
            + label.substring(4, 6)
            + "-"
            + label.substring(6, 11)
            + ":"
            + label.substring(11, 13)
            + ":"
            + label.substring(13, 15)
            + "Z");
  }

  ScheduleStatus scheduleStatus(String workflow) {
    Workflow w = cluster.workflow(workflow);
    return w.getStatus() == null || w.getStatus().schedules == null
        ? null
        : w.getStatus().schedules.getFirst();
  }

  @Test
  void everySecondARunOnceWithItsLabelsParamsAndStatus() {
    cluster.apply(
        workflow(
            "tick",
            "{name: every-second, cron: \"* * * * * ?\", timeZone: Europe/Paris, params: {table: t}}"));
    Instant created = Instant.parse(cluster.workflow("tick").getMetadata().getCreationTimestamp());
    Cluster.await("6 runs of tick", () -> runsOf("tick"), l -> l.size() >= 6, WAIT);
    // The operator restarts: the runs go on, none twice, none missed (catchUp All by default).
    cluster.stopOperator();
    sleep(Duration.ofSeconds(2));
    cluster.startOperator();
    List<WorkflowInstance> runs =
        Cluster.await("12 runs of tick", () -> runsOf("tick"), l -> l.size() >= 12, WAIT);
    List<Instant> times = runs.stream().map(SchedulesIntegrationTest::timeOf).toList();
    assertThat(times.getFirst()).isAfter(created.minusSeconds(1));
    for (int k = 1; k < times.size(); k++) {
      assertThat(times.get(k)).as("no time missed").isEqualTo(times.get(k - 1).plusSeconds(1));
    }
    for (WorkflowInstance i : runs) {
      Instant t = timeOf(i);
      assertThat(i.getMetadata().getName())
          .isEqualTo(ScheduledRuns.instanceName("tick", "every-second", t));
      assertThat(i.getMetadata().getLabels()).containsEntry(Labels.TRIGGER, "every-second");
      assertThat(i.getSpec().params.get("table").asText()).isEqualTo("t");
      assertThat(Instant.parse(i.getSpec().params.get("scheduledTime").asText())).isEqualTo(t);
      assertThat(i.getSpec().params.get("scheduledTime").asText()).matches(".*\\+0[12]:00");
    }
    ScheduleStatus st =
        Cluster.await(
            "the status to record a run",
            () -> scheduleStatus("tick"),
            s -> s != null && s.lastInstance != null,
            WAIT);
    assertThat(cluster.instance(st.lastInstance)).isNotNull();
    assertThat(Instant.parse(st.nextScheduledTime)).isAfter(Instant.parse(st.lastScheduledTime));
    assertThat(Instant.parse(st.handledThrough))
        .isAfterOrEqualTo(Instant.parse(st.lastScheduledTime));
    assertThat(cluster.workflow("tick").getStatus().nextScheduledTime).isNotNull();
    assertThat(cluster.workflow("tick").getStatus().lastScheduledTime).isNotNull();
  }

  @Test
  void afterTheOperatorWasDownEachPolicyCatchesUpAsItSays() {
    MovableClock clock = new MovableClock();
    // Half past a minute: no minute comes due while the schedules are first recorded (one that
    // did would rightly start a run, under None too).
    Instant start = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(30);
    clock.offset = Duration.between(Instant.now(), start);
    cluster.stopOperator();
    cluster.startOperator(clock);
    cluster.apply(
        workflow("none", "{name: m, cron: \"* * * * *\", catchUp: None, params: {table: t}}"));
    cluster.apply(
        workflow("latest", "{name: m, cron: \"* * * * *\", catchUp: Latest, params: {table: t}}"));
    cluster.apply(
        workflow(
            "all",
            "{name: m, cron: \"* * * * *\", catchUp: All, maxCatchUp: 3, params: {table: t}}"));
    for (String w : List.of("none", "latest", "all")) {
      Cluster.await(
          "the schedule of " + w + " recorded",
          () -> scheduleStatus(w),
          s -> s != null && s.handledThrough != null,
          WAIT);
    }
    cluster.stopOperator();
    // Ten minutes pass while no operator runs; again to half past a minute.
    Instant resumedAt = start.plus(Duration.ofMinutes(10));
    clock.offset = Duration.between(Instant.now(), resumedAt);
    cluster.startOperator(clock);
    Instant lastMinute = resumedAt.truncatedTo(ChronoUnit.MINUTES);

    List<WorkflowInstance> latest =
        Cluster.await("latest's run", () -> runsOf("latest"), l -> !l.isEmpty(), WAIT);
    List<WorkflowInstance> all =
        Cluster.await("all's runs", () -> runsOf("all"), l -> l.size() >= 3, WAIT);
    Cluster.await(
        "none's status past the missed times",
        () -> scheduleStatus("none"),
        s -> s.nextScheduledTime != null && Instant.parse(s.nextScheduledTime).isAfter(lastMinute),
        WAIT);
    sleep(Duration.ofSeconds(2)); // room for a run that should not be made
    assertThat(runsOf("none")).isEmpty();
    assertThat(runsOf("latest"))
        .extracting(SchedulesIntegrationTest::timeOf)
        .containsExactly(lastMinute);
    assertThat(runsOf("all"))
        .extracting(SchedulesIntegrationTest::timeOf)
        .containsExactly(lastMinute.minusSeconds(120), lastMinute.minusSeconds(60), lastMinute);
    assertThat(events("ScheduleSkipped")).anyMatch(e -> e.getMessage().contains("catchUp None"));

    // Another restart: nothing runs again.
    var uids = runsOf("all").stream().map(i -> i.getMetadata().getUid()).toList();
    cluster.stopOperator();
    cluster.startOperator(clock);
    Cluster.await(
        "all's status",
        () -> cluster.workflow("all"),
        w -> w.getStatus().schedules.getFirst().lastInstance != null,
        WAIT);
    sleep(Duration.ofSeconds(2));
    // The same runs, not made again; a minute that came since has its own run.
    assertThat(runsOf("all").stream().filter(i -> !timeOf(i).isAfter(lastMinute)))
        .extracting(i -> i.getMetadata().getUid())
        .containsExactlyElementsOf(uids);
    assertThat(runsOf("latest").stream().filter(i -> !timeOf(i).isAfter(lastMinute))).hasSize(1);
    assertThat(runsOf("none").stream().filter(i -> !timeOf(i).isAfter(lastMinute))).isEmpty();
  }

  @Test
  void anotherObjectUnderTheNameIsAConflictNotTheRun() {
    // Take the name of the next few seconds' runs before the schedule exists.
    Instant soon = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(8);
    for (int k = 0; k < 3; k++) {
      cluster.apply(
          Cluster.instanceYaml(
              ScheduledRuns.instanceName("clash", "s", soon.plusSeconds(k)), "other"));
    }
    cluster.apply(workflow("clash", "{name: s, cron: \"* * * * * ?\", params: {table: t}}"));
    ScheduleStatus st =
        Cluster.await(
            "a conflict on the status",
            () -> scheduleStatus("clash"),
            s -> s != null && s.error != null && s.error.contains("is not this schedule's run"),
            WAIT);
    assertThat(st.error)
        .containsAnyOf(
            ScheduledRuns.instanceName("clash", "s", soon),
            ScheduledRuns.instanceName("clash", "s", soon.plusSeconds(1)),
            ScheduledRuns.instanceName("clash", "s", soon.plusSeconds(2)));
    for (int k = 0; k < 3; k++) {
      String name = ScheduledRuns.instanceName("clash", "s", soon.plusSeconds(k));
      Cluster.await(
          "a ScheduleFailed event about " + name,
          () -> events("ScheduleFailed"),
          l -> l.stream().anyMatch(e -> e.getMessage().contains(name + " exists and is not")),
          WAIT);
      assertThat(cluster.instance(name).getSpec().workflow).isEqualTo("other");
    }
    // The times after it run.
    Cluster.await(
        "runs after the conflicts",
        () -> runsOf("clash"),
        l -> l.stream().anyMatch(i -> timeOf(i).isAfter(soon.plusSeconds(2))),
        WAIT);
  }

  @Test
  void anInvalidWorkflowOrASuspendedScheduleStartsNothing() {
    cluster.apply(
        workflow("broken", "{name: s, cron: \"* * * * * ?\", params: {table: t}}")
            .replace("- {id: a, type: noop}", "- {id: a, type: noop, dependsOn: [ghost]}"));
    cluster.apply(
        workflow("paused", "{name: s, cron: \"* * * * * ?\", suspend: true, params: {table: t}}"));
    ScheduleStatus broken =
        Cluster.await(
            "broken's schedule error",
            () -> scheduleStatus("broken"),
            s -> s != null && s.error != null,
            WAIT);
    assertThat(broken.error).startsWith("the Workflow is not valid, so no run starts: ");
    Cluster.await("paused's status", () -> scheduleStatus("paused"), s -> s != null, WAIT);
    sleep(Duration.ofSeconds(3));
    assertThat(runsOf("broken")).isEmpty();
    assertThat(runsOf("paused")).isEmpty();
    assertThat(scheduleStatus("paused").suspended).isTrue();
    assertThat(scheduleStatus("paused").nextScheduledTime).isNull();
    assertThat(events("ScheduleFailed").stream().filter(e -> e.getMessage().contains("not valid")))
        .hasSize(1);
  }

  List<Event> events(String reason) {
    return client.v1().events().inNamespace(Cluster.NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
