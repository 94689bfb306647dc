package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** When a while step runs its inner steps once more. */
public class WhileSpec {
  public static final int DEFAULT_MAX_ITERATIONS = 100;
  public static final int MAX_ITERATIONS = 100_000;

  @JsonPropertyDescription(
      "A CEL condition checked before each iteration; the loop ends, Succeeded, when it is false."
          + " It sees params, steps (those before the loop), loop.index (the iteration about to"
          + " run, from 0) and last: the previous iteration's steps by id, e.g."
          + " loop.index == 0 || last.poll.outputs.done != true.")
  @Required
  @Size(max = 4096)
  public String condition;

  @JsonPropertyDescription(
      "The most iterations the loop may run. Default 100, at most 100000. A condition still true"
          + " after that many fails the step.")
  @Min(1)
  @Max(MAX_ITERATIONS)
  public Integer maxIterations;

  public int maxIterationsOrDefault() {
    return maxIterations == null ? DEFAULT_MAX_ITERATIONS : maxIterations;
  }
}
