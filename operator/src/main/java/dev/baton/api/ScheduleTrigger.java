package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** A cron schedule that starts runs. */
@ValidationRule(
    value = "!has(self.maxCatchUp) || !has(self.catchUp) || self.catchUp == 'All'",
    message = "maxCatchUp applies to catchUp All only")
public class ScheduleTrigger {
  public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
  public static final int DEFAULT_MAX_CATCH_UP = 10;

  @JsonPropertyDescription(
      "The schedule's name, unique in the Workflow: a DNS label. It is part of each run's name"
          + " and the value of its baton.dev/trigger label.")
  @Required
  @Pattern(NAME_PATTERN)
  @Size(max = 63)
  public String name;

  @JsonPropertyDescription(
      "When to run. 5 fields, standard cron (minute hour day-of-month month day-of-week; Sunday"
          + " is 0 or 7), or 6-7 fields, Quartz (second minute hour day-of-month month"
          + " day-of-week [year]; Sunday is 1), or @yearly, @monthly, @weekly, @daily, @hourly.")
  @Required
  @Size(min = 1, max = 256)
  public String cron;

  @JsonPropertyDescription(
      "The IANA time zone the cron fields are read in, e.g. Europe/Paris. Default UTC. A time in"
          + " a daylight-saving gap runs when the gap ends; a time that happens twice runs once,"
          + " at its first occurrence.")
  @Size(max = 64)
  @Pattern("^[A-Za-z0-9_+\\-/]+$")
  public String timeZone;

  @JsonPropertyDescription(
      "Spread the runs: each is created up to this long after its scheduled time, by an offset"
          + " that is a pure function of (namespace, workflow, schedule, scheduled time). At"
          + " most 24h. The run's scheduledTime stays the scheduled time.")
  @Pattern(Durations.PATTERN)
  public String jitter;

  @JsonPropertyDescription(
      "Params of each run, checked against the Workflow's params. scheduledTime is set by the"
          + " schedule, when the Workflow declares it.")
  @PreserveUnknownFields
  @Size(max = 100)
  public Map<String, JsonNode> params;

  @JsonPropertyDescription(
      "What happens to the times missed while the operator was down, the schedule suspended or"
          + " the Workflow invalid: None (skipped), Latest (only the most recent runs) or All (the"
          + " default: each runs, oldest first, at most maxCatchUp).")
  public CatchUpPolicy catchUp;

  @JsonPropertyDescription(
      "Under catchUp All: how many missed times run at most, the most recent ones. Default 10.")
  @Min(1)
  @Max(1000)
  public Integer maxCatchUp;

  @JsonPropertyDescription(
      "A time whose run could not be created within this long of its moment (scheduled time"
          + " plus jitter) is skipped, under every catchUp policy. Default: no deadline.")
  @Pattern(Durations.PATTERN)
  public String startingDeadline;

  @JsonPropertyDescription(
      "true stops the schedule: nothing fires. When set back to false, the times missed"
          + " meanwhile are treated by catchUp.")
  public Boolean suspend;

  public CatchUpPolicy catchUpOrDefault() {
    return catchUp == null ? CatchUpPolicy.All : catchUp;
  }

  public int maxCatchUpOrDefault() {
    return maxCatchUp == null ? DEFAULT_MAX_CATCH_UP : maxCatchUp;
  }

  public String timeZoneOrDefault() {
    return timeZone == null ? "UTC" : timeZone;
  }

  public boolean suspended() {
    return Boolean.TRUE.equals(suspend);
  }
}
