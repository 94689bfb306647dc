package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where one schedule stands. Times are RFC 3339, in UTC. */
public class ScheduleStatus {
  @JsonPropertyDescription("The schedule's name.")
  public String name;

  @JsonPropertyDescription("The cron the times below were computed from; a change starts afresh.")
  public String cron;

  @JsonPropertyDescription("The time zone the times below were computed in.")
  public String timeZone;

  @JsonPropertyDescription(
      "Every scheduled time up to and including this one has been dealt with: its run created, or"
          + " skipped. Recorded only after the runs exist.")
  public String handledThrough;

  @JsonPropertyDescription("The latest scheduled time whose run was created.")
  public String lastScheduledTime;

  @JsonPropertyDescription("The WorkflowInstance created for lastScheduledTime.")
  public String lastInstance;

  @JsonPropertyDescription(
      "The next scheduled time; its run is created at this time plus the jitter offset.")
  public String nextScheduledTime;

  @JsonPropertyDescription("true while spec suspend is true.")
  public Boolean suspended;

  @JsonPropertyDescription("Why the last time could not start its run; empty when it could.")
  public String error;
}
