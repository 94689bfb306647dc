package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A bad schedule makes the Workflow invalid, with a problem naming the schedule. */
class ScheduleChecksTest {
  static List<String> problems(String yaml) {
    var e =
        catchThrowableOfType(
            InvalidDefinitionException.class,
            () -> new WorkflowCompiler().compile(Specs.parse(yaml)));
    assertThat(e).as("expected problems").isNotNull();
    return e.problems();
  }

  static final String STEPS =
      """
      steps:
        - {id: a, type: noop}
      """;

  @Test
  void aGoodScheduleCompiles() {
    Specs.compile(
        """
        params:
          - {name: scheduledTime, type: string, default: ""}
          - {name: table, type: string}
          - {name: n, type: integer, default: 1}
        triggers:
          schedules:
            - name: nightly
              cron: "30 2 * * *"
              timeZone: Europe/Paris
              jitter: 5m
              startingDeadline: 1h
              catchUp: All
              maxCatchUp: 5
              params: {table: events, n: 3}
            - {name: fast, cron: "*/5 * * * * ?", params: {table: x}}
        """
            + STEPS);
  }

  @Test
  void everyProblemNamesItsSchedule() {
    List<String> p =
        problems(
            """
            params:
              - {name: table, type: string}
              - {name: n, type: integer, default: 1}
            triggers:
              schedules:
                - {name: a, cron: "61 * * * *", params: {table: x}}
                - {name: b, cron: "0 2 * * *", timeZone: Mars/Olympus, params: {table: x}}
                - {name: c, cron: "0 2 * * *", params: {table: x, nope: 1}}
                - {name: d, cron: "0 2 * * *", params: {table: x, n: "three"}}
                - {name: e, cron: "0 2 * * *"}
                - {name: f, cron: "0 2 * * *", jitter: 2d, params: {table: x}}
                - {name: a, cron: "0 2 * * *", params: {table: x}}
                - {name: g, cron: "0 2 * * *", params: {table: x, scheduledTime: y}}
            """
                + STEPS);
    assertThat(p)
        .anySatisfy(
            s -> assertThat(s).startsWith("schedule \"a\": cron: '61 * * * *' is not a valid"))
        .anySatisfy(s -> assertThat(s).startsWith("schedule \"b\": timeZone: 'Mars/Olympus'"))
        .anySatisfy(s ->
            assertThat(s).startsWith("schedule \"c\": params.nope: the workflow has no such param"))
        .anySatisfy(s ->
            assertThat(s).startsWith("schedule \"d\": params.n: \"three\" is not of type integer"))
        .anySatisfy(s -> assertThat(s).startsWith("schedule \"e\": params.table: required"))
        .anySatisfy(s -> assertThat(s).startsWith("schedule \"f\": jitter: 2d is over the limit"))
        .anySatisfy(s -> assertThat(s).isEqualTo("schedule \"a\": declared twice"))
        .anySatisfy(s ->
            assertThat(s)
                .startsWith("schedule \"g\": params: scheduledTime is set by the schedule"));
  }

  @Test
  void scheduledTimeMustBeAString() {
    assertThat(
            problems(
                """
                params:
                  - {name: scheduledTime, type: integer, default: 0}
                triggers:
                  schedules:
                    - {name: a, cron: "@daily"}
                """
                    + STEPS))
        .containsExactly(
            "schedule \"a\": the Workflow's param scheduledTime must be of type string to receive"
                + " the scheduled time, not integer");
  }

  @Test
  void aRequiredScheduledTimeIsSuppliedByTheSchedule() {
    Specs.compile(
        """
        params:
          - {name: scheduledTime, type: string}
        triggers:
          schedules:
            - {name: a, cron: "@daily"}
        """
            + STEPS);
  }
}
