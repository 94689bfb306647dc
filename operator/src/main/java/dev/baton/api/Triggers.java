package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What starts runs of a workflow besides a person creating an instance. */
public class Triggers {
  @JsonPropertyDescription("Time triggers: cron schedules, each in a time zone.")
  public List<ScheduleTrigger> schedules;

  @JsonPropertyDescription("Signal triggers: start a run when matching signals arrive.")
  public List<SignalTrigger> signals;
}
