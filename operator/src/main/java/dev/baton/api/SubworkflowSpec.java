package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

/** Which Workflow a subworkflow step runs, with what params, and whether it waits. */
public class SubworkflowSpec {
  /** How deep subworkflows may nest: the top run is depth 0. */
  public static final int MAX_DEPTH = 10;

  @JsonPropertyDescription("The Workflow to run, in the same namespace.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @Size(max = 253)
  public String workflow;

  @JsonPropertyDescription(
      "Params for the child run, by name. Values are interpolated like a job's command; the child"
          + " converts each to its param's type.")
  @Size(max = 100)
  public Map<String, @Size(max = 4096) String> params;

  @JsonPropertyDescription(
      "sync (the default): the step waits for the child and takes its outcome; its outputs are"
          + " the child's step outputs by step id. async: the step succeeds once the child is"
          + " created.")
  public SubworkflowMode mode;

  public SubworkflowMode modeOrDefault() {
    return mode == null ? SubworkflowMode.SYNC : mode;
  }
}
