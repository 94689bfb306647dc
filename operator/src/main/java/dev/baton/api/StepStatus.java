package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Map;

/** One step's record in the instance status: enough to rebuild the engine after a restart. */
public class StepStatus {
  public StepState state;

  @JsonPropertyDescription("The current attempt, from 1. 0 before the first launch.")
  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
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
  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer exitCode;

  @JsonPropertyDescription("Failed attempts so far, by kind; each kind has its own retry limit.")
  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer userErrors;

  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer platformErrors;

  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer timeouts;

  @JsonPropertyDescription("The JSON object the step wrote to /dev/termination-log.")
  @PreserveUnknownFields
  public Map<String, JsonNode> outputs;

  @JsonPropertyDescription("For a foreach or while step: its iterations.")
  public LoopStatus loop;

  @JsonPropertyDescription("For a subworkflow step: the child WorkflowInstance of this attempt.")
  public String child;

  @JsonPropertyDescription("For a signal step: the Signal that released it.")
  public SignalRef signal;

  @JsonPropertyDescription(
      "The Signal objects the step emitted when it succeeded (its output signals), by name.")
  public java.util.List<String> emittedSignals;
}
