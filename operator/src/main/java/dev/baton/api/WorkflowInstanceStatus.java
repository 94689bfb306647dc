package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class WorkflowInstanceStatus {
  public InstancePhase phase;

  public Long observedGeneration;

  @JsonPropertyDescription(
      "Completed: True once the run is over, with the phase as reason. Valid: False when the"
          + " definition or params were rejected.")
  public List<Condition> conditions = new ArrayList<>();

  public String startTime;
  public String endTime;

  @JsonPropertyDescription("Finished steps out of all steps, e.g. 3/4.")
  public String progress;

  @JsonPropertyDescription("Why the run is in its phase, for people.")
  public String message;

  @JsonPropertyDescription("The hash of the definition this run pinned at its start.")
  public String definitionHash;

  @JsonPropertyDescription(
      "The Workflow spec this run pinned at its start. Editing or deleting the Workflow does not"
          + " change a run.")
  @PreserveUnknownFields
  public JsonNode definition;

  @JsonPropertyDescription("The run's resolved params: defaults merged with spec.params.")
  @PreserveUnknownFields
  public Map<String, JsonNode> params;

  @JsonPropertyDescription("The run number: 1, then one more with each restart.")
  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer run;

  @JsonPropertyDescription("Earlier runs of this instance, oldest first, at most 20.")
  public List<RunRecord> history;

  @JsonPropertyDescription(
      "Leaf steps (those that run something: job, sleep, noop) by state, across loops and"
          + " subworkflows.")
  public Rollup rollup;

  @JsonPropertyDescription("The child instances of subworkflow steps still unfinished, for people.")
  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer activeChildren;

  @JsonPropertyDescription("Each step's state, by step id.")
  public Map<String, StepStatus> steps = new LinkedHashMap<>();
}
