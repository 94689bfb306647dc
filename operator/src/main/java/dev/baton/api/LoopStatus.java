package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.List;
import java.util.Map;

/**
 * A loop's iterations, kept small however many there are: counts, finished iterations as index
 * ranges, and full detail only for the iterations under way.
 */
public class LoopStatus {
  @JsonPropertyDescription("Iterations in all; for a while loop, null until it ends.")
  public Long total;

  @JsonPropertyDescription("Iterations by state; states with none are left out.")
  public Map<String, Long> states;

  @JsonPropertyDescription(
      "Succeeded iterations as index ranges, e.g. 0-4999,5001-9999. They never run again, not even"
          + " after a restart of the operator.")
  public String succeeded;

  @JsonPropertyDescription(
      "Iterations that ended otherwise (Failed, TimedOut, Stopped, Skipped), as index ranges.")
  public String unsuccessful;

  @JsonPropertyDescription(
      "The first few failures, each naming the iteration, its values and the step.")
  public List<String> errors;

  @JsonPropertyDescription(
      "Iterations under way whose detail was left out of active to keep the status under its size"
          + " budget; their counts are in states.")
  public Integer omitted;

  @JsonPropertyDescription("The iterations under way, by index.")
  public Map<String, IterationStatus> active;

  @JsonPropertyDescription(
      "Leaf steps of finished iterations by state, carried into the rollup once the iteration's"
          + " detail is dropped.")
  public Map<String, Long> finishedLeaves;

  @JsonPropertyDescription(
      "For a while loop: the last finished iteration's steps, as last.<id> sees them.")
  @PreserveUnknownFields
  public JsonNode last;
}
