package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The definition: params, steps, run strategy, triggers and retention. */
public class WorkflowSpec {
  @JsonPropertyDescription("What the workflow does, for people.")
  @Size(max = 4096)
  public String description;

  @JsonPropertyDescription(
      "Typed parameters. A run supplies values in WorkflowInstance spec.params; a param without a"
          + " default must be supplied.")
  @Size(max = 100)
  @ValidationRule(
      value = "self.all(p, self.exists_one(q, q.name == p.name))",
      message = "param names must be unique")
  public List<ParamSpec> params;

  @JsonPropertyDescription(
      "The steps. Order does not matter: dependsOn makes the graph. At most 300 steps.")
  @Required
  @Size(min = 1, max = 300)
  @ValidationRule(
      value = "self.all(x, self.exists_one(y, y.id == x.id))",
      message = "step ids must be unique")
  public List<Step> steps;

  @JsonPropertyDescription(
      "How long one run may take, e.g. 2h or 1h30m. Default 10d, at most 120d. When it passes the"
          + " running Jobs are deleted and the instance ends TimedOut.")
  @Pattern(Durations.PATTERN)
  public String timeout;

  @JsonPropertyDescription(
      "The default pendingTimeout of the job steps: how long a pod may stay stuck before it runs"
          + " (ImagePullBackOff, Unschedulable, no pod created) before the attempt fails as a"
          + " platform error. Default 5m.")
  @Pattern(Durations.PATTERN)
  public String pendingTimeout;

  @JsonPropertyDescription(
      "How this workflow's instances share the cluster: Sequential (the default), StrictSequential,"
          + " FirstOnly, LastOnly or Parallel with a concurrency.")
  public RunStrategy runStrategy;

  @JsonPropertyDescription(
      "The most steps of one instance that may run at once, counting steps inside loops and"
          + " subworkflow steps; noop steps do not count. Default 20. Steps over the cap wait,"
          + " and say so.")
  @Min(1)
  @Max(10000)
  public Integer stepConcurrency;

  @JsonPropertyDescription("What starts runs besides a person: schedules and signals.")
  public Triggers triggers;

  @JsonPropertyDescription("How many finished instances are kept, and for how long.")
  public Retention retention;

  public static final int DEFAULT_STEP_CONCURRENCY = 20;
  public static final java.time.Duration DEFAULT_PENDING_TIMEOUT = java.time.Duration.ofMinutes(5);

  public int stepConcurrencyOrDefault() {
    return stepConcurrency == null ? DEFAULT_STEP_CONCURRENCY : stepConcurrency;
  }

  public RunStrategy runStrategyOrDefault() {
    return runStrategy == null ? new RunStrategy() : runStrategy;
  }
}
