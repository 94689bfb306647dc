package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What starts runs of a workflow besides a person creating an instance. */
public class Triggers {
  @JsonPropertyDescription("Time triggers: cron schedules, each in a time zone.")
  public List<ScheduleTrigger> schedules;

  @JsonPropertyDescription("Signal triggers: start a run when matching signals arrive.")
  @io.fabric8.generator.annotation.Size(max = 20)
  @io.fabric8.generator.annotation.ValidationRule(
      value = "self.all(t, self.exists_one(u, u.name == t.name))",
      message = "signal trigger names must be unique")
  public List<SignalTrigger> signals;
}
