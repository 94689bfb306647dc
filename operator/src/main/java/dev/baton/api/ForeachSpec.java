package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** What a foreach step iterates over, and how many iterations run at once. */
public class ForeachSpec {
  public static final int DEFAULT_CONCURRENCY = 20;
  public static final int MAX_CONCURRENCY = 500;

  /** The most iterations one foreach may have: the product of its loop params' lengths. */
  public static final long MAX_ITERATIONS = 1_000_000;

  @JsonPropertyDescription(
      "Loop params. Each yields a list; with several, the loop runs once per combination (their"
          + " cartesian product, the first param varying slowest). Inside, loop.<name> is the"
          + " item and loop.index the iteration's number, from 0.")
  @Required
  @Size(min = 1, max = 8)
  @ValidationRule(
      value = "self.all(p, self.exists_one(q, q.name == p.name))",
      message = "loop param names must be unique")
  public List<LoopParam> over;

  @JsonPropertyDescription(
      "How many iterations may run at once. Default 20, at most 500. Iterations start in order.")
  @Min(1)
  @Max(MAX_CONCURRENCY)
  public Integer concurrency;

  @JsonPropertyDescription(
      "What a failed iteration does to the loop. stop (the default): no new iterations start, the"
          + " running ones finish, then the step fails. continue: every iteration runs, then the"
          + " step fails if any failed.")
  public IterationFailurePolicy onIterationFailure;

  public int concurrencyOrDefault() {
    return concurrency == null ? DEFAULT_CONCURRENCY : concurrency;
  }

  public IterationFailurePolicy onIterationFailureOrDefault() {
    return onIterationFailure == null ? IterationFailurePolicy.STOP : onIterationFailure;
  }
}
