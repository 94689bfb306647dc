package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A request for a new run of a finished instance; see {@link WorkflowInstanceSpec#restart}. */
@ValidationRule(
    value = "has(self.step) == (has(self.from) && self.from == 'Step')",
    message = "step is needed with from: Step, and only then")
public class RestartRequest {
  @JsonPropertyDescription("The number the new run gets: the status's run plus one.")
  @Required
  @Min(2)
  @Max(1000000)
  public Integer run;

  @JsonPropertyDescription(
      "Incomplete (the default): keep what succeeded, run the rest again. Beginning: run"
          + " everything again. Step: keep what succeeded except the named step and everything"
          + " after it, which run again.")
  public RestartFrom from;

  @JsonPropertyDescription("With from: Step, the top-level step to run again from.")
  @Pattern(Step.ID_PATTERN)
  @Size(max = 63)
  public String step;

  public RestartFrom fromOrDefault() {
    return from == null ? RestartFrom.Incomplete : from;
  }
}
