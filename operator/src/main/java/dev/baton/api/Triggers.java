package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** What starts runs of a workflow besides a person creating an instance. */
public class Triggers {
  @JsonPropertyDescription("Time triggers: cron schedules, each in a time zone. At most 20.")
  @Size(max = 20)
  @ValidationRule(
      value = "self.all(x, self.exists_one(y, y.name == x.name))",
      message = "schedule names must be unique")
  public List<ScheduleTrigger> schedules;

  @JsonPropertyDescription("Signal triggers: start a run when matching signals arrive.")
  @io.fabric8.generator.annotation.Size(max = 20)
  @io.fabric8.generator.annotation.ValidationRule(
      value = "self.all(t, self.exists_one(u, u.name == t.name))",
      message = "signal trigger names must be unique")
  public List<SignalTrigger> signals;
}
