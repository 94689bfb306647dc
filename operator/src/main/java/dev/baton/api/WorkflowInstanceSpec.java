package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

public class WorkflowInstanceSpec {
  @JsonPropertyDescription("The name of the Workflow to run, in the same namespace.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @ValidationRule(value = "self == oldSelf", message = "workflow is immutable")
  public String workflow;

  @JsonPropertyDescription(
      "Values for the Workflow's params, by name. Read once, when the run starts.")
  @PreserveUnknownFields
  public Map<String, JsonNode> params;

  @JsonPropertyDescription(
      "Set to true to stop the run: running Jobs are deleted and the instance ends Stopped.")
  @ValidationRule(value = "self || !oldSelf", message = "stop cannot be undone")
  public Boolean stop;

  public boolean stopRequested() {
    return Boolean.TRUE.equals(stop);
  }
}
