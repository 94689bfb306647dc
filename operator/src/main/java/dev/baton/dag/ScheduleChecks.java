package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.ParamSpec;
import dev.baton.api.ParamType;
import dev.baton.api.ScheduleTrigger;
import dev.baton.api.WorkflowSpec;
import dev.baton.triggers.CronSchedule;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks spec.triggers.schedules: names, cron, time zone, durations, and the params each run would
 * get against the Workflow's own. Each problem names the schedule: {@code schedule "nightly": ...}.
 */
final class ScheduleChecks {
  /** The param a scheduled run's scheduledTime goes to, when the Workflow declares it. */
  static final String SCHEDULED_TIME = "scheduledTime";

  static final Duration MAX_JITTER = Duration.ofHours(24);

  private ScheduleChecks() {}

  static void check(WorkflowSpec spec, Fields fields, Problems problems) {
    if (spec.triggers == null || spec.triggers.schedules == null) return;
    List<ParamSpec> declared = spec.params == null ? List.of() : spec.params;
    ParamSpec scheduledTime =
        declared.stream()
            .filter(p -> p != null && SCHEDULED_TIME.equals(p.name))
            .findFirst()
            .orElse(null);
    Set<String> names = new HashSet<>();
    int index = 0;
    for (ScheduleTrigger s : spec.triggers.schedules) {
      String where =
          s == null || s.name == null
              ? "spec.triggers.schedules[" + index + "]"
              : "schedule " + quote(s.name);
      index++;
      Problems.Reporter at = problems.about(where);
      if (s == null) {
        at.add("empty");
        continue;
      }
      if (s.name == null || !s.name.matches(ScheduleTrigger.NAME_PATTERN) || s.name.length() > 63) {
        at.add("name must be a DNS label (lower-case letters, digits and '-', at most 63)");
      } else if (!names.add(s.name)) {
        at.add("declared twice");
      }
      ZoneId zone = null;
      try {
        zone = CronSchedule.zone(s.timeZoneOrDefault());
      } catch (IllegalArgumentException e) {
        at.field("timeZone").add(e.getMessage());
      }
      if (s.cron == null) {
        at.field("cron").add("required");
      } else {
        try {
          CronSchedule.parse(s.cron, zone == null ? ZoneId.of("UTC") : zone);
        } catch (IllegalArgumentException e) {
          at.field("cron").add(e.getMessage());
        }
      }
      Duration jitter = fields.duration(at.field("jitter"), s.jitter, null);
      if (jitter != null && jitter.compareTo(MAX_JITTER) > 0) {
        at.field("jitter").add(s.jitter + " is over the limit of 24h");
      }
      fields.duration(at.field("startingDeadline"), s.startingDeadline, null);
      if (s.maxCatchUp != null && (s.maxCatchUp < 1 || s.maxCatchUp > 1000)) {
        at.field("maxCatchUp").add(s.maxCatchUp + " is not between 1 and 1000");
      }
      checkParams(s, declared, scheduledTime, at);
    }
  }

  private static void checkParams(
      ScheduleTrigger s, List<ParamSpec> declared, ParamSpec scheduledTime, Problems.Reporter at) {
    if (s.params != null && s.params.containsKey(SCHEDULED_TIME)) {
      at.field("params").add("scheduledTime is set by the schedule itself");
    }
    if (scheduledTime != null && scheduledTime.typeOrDefault() != ParamType.STRING) {
      at.add(
          "the Workflow's param scheduledTime must be of type string to receive the scheduled"
              + " time, not "
              + scheduledTime.typeOrDefault().wireName());
      return;
    }
    Map<String, JsonNode> supplied = new LinkedHashMap<>();
    if (s.params != null) supplied.putAll(s.params);
    if (scheduledTime != null) {
      supplied.put(SCHEDULED_TIME, JsonNodeFactory.instance.textNode("2026-01-01T00:00:00Z"));
    }
    try {
      ParamResolver.resolve(
          declared.stream().filter(p -> p != null && p.name != null).toList(), supplied);
    } catch (InvalidDefinitionException e) {
      for (String p : e.problems()) at.add(p.replaceFirst("^spec\\.params", "params"));
    }
  }
}
