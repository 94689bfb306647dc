package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

@ValidationRule(
    value =
        "!has(oldSelf.stop) || !oldSelf.stop || (has(self.stop) && self.stop) || (has(self.restart)"
            + " && (!has(oldSelf.restart) || self.restart.run > oldSelf.restart.run))",
    message = "stop can be set back to false only together with a new restart")
public class WorkflowInstanceSpec {
  @JsonPropertyDescription("The name of the Workflow to run, in the same namespace.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @ValidationRule(value = "self == oldSelf", message = "workflow is immutable")
  public String workflow;

  @JsonPropertyDescription(
      "Values for the Workflow's params, by name. Read once, when the run starts. At most 64 KiB"
          + " as JSON, defaults included: a run with more fails at once.")
  @PreserveUnknownFields
  @Size(max = 100)
  public Map<String, JsonNode> params;

  @JsonPropertyDescription(
      "Set to true to stop the run: running Jobs are deleted and the instance ends Stopped. It"
          + " can be set back to false only together with a new restart.")
  public Boolean stop;

  @JsonPropertyDescription(
      "Ask for a new run of this instance once it is Failed, Stopped or TimedOut: set run to the"
          + " status's run plus one. Asking again with the same run number does nothing.")
  public RestartRequest restart;

  @JsonPropertyDescription(
      "Under a StrictSequential run strategy, set to true on a Failed, Stopped or TimedOut"
          + " instance to let the queue behind it go on without restarting it.")
  public Boolean unblock;

  @JsonPropertyDescription(
      "Step ids to skip, at any level: a step not yet finished ends Skipped (its running Job is"
          + " deleted), and inside a loop every iteration skips it. Its dependents go on.")
  @Size(max = 300)
  public List<String> skip;

  @JsonPropertyDescription(
      "The signals whose signal trigger started this run (set by Baton, with the"
          + " baton.dev/trigger label and a signal.baton.dev/<uid> label per signal). Immutable.")
  @Size(max = 10)
  @ValidationRule(value = "self == oldSelf", message = "signals is immutable")
  public List<StartingSignal> signals;

  public boolean unblockRequested() {
    return Boolean.TRUE.equals(unblock);
  }

  public List<String> skipOrEmpty() {
    return skip == null ? List.of() : skip;
  }

  public boolean stopRequested() {
    return Boolean.TRUE.equals(stop);
  }
}
