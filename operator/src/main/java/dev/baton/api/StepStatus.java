package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.Map;

/** One step's record in the instance status: enough to rebuild the engine after a restart. */
public class StepStatus {
  public StepState state;

  @JsonPropertyDescription("The current attempt, from 1. 0 before the first launch.")
  public Integer attempt;

  @JsonPropertyDescription("The Job of the current attempt.")
  public String jobName;

  public String startTime;
  public String endTime;

  @JsonPropertyDescription("When the next attempt starts, while Retrying.")
  public String retryAt;

  @JsonPropertyDescription("Why the step is in its state, for people.")
  public String message;

  @JsonPropertyDescription("The last attempt's container exit code, when it ran.")
  public Integer exitCode;

  @JsonPropertyDescription("Failed attempts so far, by kind; each kind has its own retry limit.")
  public Integer userErrors;

  public Integer platformErrors;
  public Integer timeouts;

  @JsonPropertyDescription("The JSON object the step wrote to /dev/termination-log.")
  @PreserveUnknownFields
  public Map<String, JsonNode> outputs;

  @JsonPropertyDescription("For a foreach or while step: its iterations.")
  public LoopStatus loop;

  @JsonPropertyDescription("For a subworkflow step: the child WorkflowInstance of this attempt.")
  public String child;
}
