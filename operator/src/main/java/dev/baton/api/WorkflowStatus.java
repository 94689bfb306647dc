package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

public class WorkflowStatus {
  public Long observedGeneration;

  @JsonPropertyDescription("Valid: True when the definition passed validation; else the reasons.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Every problem validation found, each naming the step.")
  public List<String> errors;

  @JsonPropertyDescription("A hash of the spec; each instance records the hash it runs.")
  public String definitionHash;

  public Integer stepCount;
}
