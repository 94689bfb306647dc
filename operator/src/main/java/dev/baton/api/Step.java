package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** One node of the DAG. */
@ValidationRule(
    value = "(has(self.type) && self.type != 'job') || has(self.job)",
    message = "a job step needs a job")
@ValidationRule(
    value = "!has(self.job) || !has(self.type) || self.type == 'job'",
    message = "only a job step may have a job")
@ValidationRule(
    value = "!has(self.type) || self.type != 'sleep' || has(self.sleep)",
    message = "a sleep step needs sleep, e.g. sleep: 30s")
@ValidationRule(
    value = "!has(self.dependsOn) || !(self.id in self.dependsOn)",
    message = "a step cannot depend on itself")
@ValidationRule(
    value = "has(self.foreach) == (has(self.type) && self.type == 'foreach')",
    message = "a foreach step needs foreach, and only a foreach step may have it")
@ValidationRule(
    value = "has(self.while) == (has(self.type) && self.type == 'while')",
    message = "a while step needs while, and only a while step may have it")
@ValidationRule(
    value = "has(self.subworkflow) == (has(self.type) && self.type == 'subworkflow')",
    message = "a subworkflow step needs subworkflow, and only a subworkflow step may have it")
@ValidationRule(
    value = "has(self.signal) == (has(self.type) && self.type == 'signal')",
    message = "a signal step needs signal, and only a signal step may have it")
@ValidationRule(
    value =
        "has(self.steps) == (has(self.type) && (self.type == 'foreach' || self.type == 'while'))",
    message = "a foreach or while step needs steps, and only those may have them")
public class Step {
  public static final String ID_PATTERN = "^[a-z][a-z0-9_-]{0,62}$";

  @JsonPropertyDescription(
      "Unique within the workflow: lower case letters, digits, '-' and '_'. In expressions a"
          + " step is steps.<id>, or steps['<id>'] when the id has a '-'.")
  @Required
  @Pattern(ID_PATTERN)
  @Size(max = 63)
  public String id;

  @JsonPropertyDescription("job (the default), noop, sleep, foreach, while, subworkflow or signal.")
  public StepType type;

  @Size(max = 4096)
  public String description;

  @JsonPropertyDescription(
      "Steps that must end first. A step starts when every one of them has Succeeded, been"
          + " Skipped or CompletedWithError.")
  @Size(max = 300)
  public List<String> dependsOn;

  @JsonProperty("if")
  @JsonPropertyDescription(
      "A CEL condition over params and steps; when false the step is Skipped. E.g."
          + " steps.check.outputs.rows > 0 or params.env == 'prod'.")
  @Size(max = 4096)
  public String condition;

  @JsonPropertyDescription("The container to run, for a job step.")
  public JobTemplate job;

  @JsonPropertyDescription("How long a sleep step waits, e.g. 30s.")
  @Pattern(Durations.PATTERN)
  public String sleep;

  @JsonPropertyDescription(
      "Step params: values interpolated like command, visible in this step as params.<name>"
          + " over the workflow's, and passed to its container as env BATON_PARAM_<NAME>.")
  @Size(max = 100)
  public Map<String, @Size(max = 4096) String> params;

  @JsonPropertyDescription("For a foreach step: the loop params and the concurrency.")
  public ForeachSpec foreach;

  @JsonProperty("while")
  @JsonPropertyDescription("For a while step: the condition and the most iterations.")
  public WhileSpec whileLoop;

  @JsonPropertyDescription("For a subworkflow step: the Workflow to run as a child.")
  public SubworkflowSpec subworkflow;

  @JsonPropertyDescription(
      "For a signal step: the signal to wait for (name, match, when) and the timeout. The step"
          + " succeeds when a matching Signal exists in the namespace, made before the wait began"
          + " or after; its outputs are the signal's params.")
  public SignalWait signal;

  @JsonPropertyDescription(
      "Signals the step emits when it succeeds, one Signal object each, before it counts as"
          + " Succeeded: {name: table-ready, params: {date: '${params.date}'}}.")
  @Size(max = OutputSignal.MAX_PER_STEP)
  public List<OutputSignal> signals;

  @JsonPropertyDescription(
      "For a foreach or while step: the steps of one iteration, a DAG of their own. Step ids are"
          + " unique across the whole workflow, at every level. Inside, steps.<id> sees this"
          + " iteration's steps and the steps outside the loop. Validated by the operator (see"
          + " the Workflow's Valid condition), not by the schema, since steps nest.")
  // Kept as raw JSON: the schema cannot type inner steps, so any object may arrive as one, and an
  // informer reading them as typed steps would die on the first that does not fit. The schema
  // makes this a list of objects; the compiler reads each strictly (dag.NestedSteps) and names
  // every problem.
  @SchemaFrom(type = NestedStep[].class)
  @Size(min = 1, max = 300)
  public List<JsonNode> steps;

  @JsonPropertyDescription("Retry limits and backoff.")
  public RetryPolicy retry;

  @JsonPropertyDescription(
      "How long one attempt may run, e.g. 30m. Default: no limit beyond the workflow's timeout.")
  @Pattern(Durations.PATTERN)
  public String timeout;

  @JsonPropertyDescription(
      "How long a job step's pod may stay stuck before it has run (image not pullable, not"
          + " schedulable, refused by the API server, so the Job has no pod) before the attempt fails"
          + " as a platform error and is retried, e.g. 10m. Default: the workflow's pendingTimeout."
          + " InvalidImageName and ErrImageNeverPull fail at once.")
  @Pattern(Durations.PATTERN)
  public String pendingTimeout;

  @JsonPropertyDescription("FAIL_AFTER_RUNNING (the default), FAIL_IMMEDIATELY or IGNORE_FAILURE.")
  public FailureMode failureMode;

  public StepType typeOrDefault() {
    return type == null ? StepType.JOB : type;
  }

  public FailureMode failureModeOrDefault() {
    return failureMode == null ? FailureMode.FAIL_AFTER_RUNNING : failureMode;
  }

  public List<OutputSignal> signalsOrEmpty() {
    return signals == null ? List.of() : signals;
  }

  public List<String> dependsOnOrEmpty() {
    return dependsOn == null ? List.of() : dependsOn;
  }
}
