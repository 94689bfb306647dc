package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** How the instances of one Workflow take turns. */
@ValidationRule(
    value = "!has(self.concurrency) || (has(self.type) && self.type == 'Parallel')",
    message = "concurrency applies to the Parallel strategy only")
public class RunStrategy {
  public static final int DEFAULT_PARALLEL = 20;

  @JsonPropertyDescription(
      "Sequential (the default): one instance at a time, oldest first; the others wait Queued."
          + " StrictSequential: the same, but a Failed, Stopped or TimedOut instance blocks the"
          + " queue until it is restarted or unblocked. FirstOnly: a new instance ends Stopped"
          + " while another is unfinished. LastOnly: a new instance stops the unfinished ones,"
          + " then runs. Parallel: up to concurrency at once, oldest first.")
  public RunStrategyType type;

  @JsonPropertyDescription(
      "For Parallel: how many instances may run at once. Default 20; 0 pauses the workflow.")
  @Min(0)
  @Max(10000)
  public Integer concurrency;

  public RunStrategyType typeOrDefault() {
    return type == null ? RunStrategyType.Sequential : type;
  }

  /** How many instances may run at once under this strategy. */
  public int limit() {
    return switch (typeOrDefault()) {
      case Parallel -> concurrency == null ? DEFAULT_PARALLEL : concurrency;
      case Sequential, StrictSequential, FirstOnly, LastOnly -> 1;
    };
  }
}
