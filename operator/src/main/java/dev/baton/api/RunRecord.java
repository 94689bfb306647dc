package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Map;

/** One earlier run of an instance, kept when it is restarted. */
public class RunRecord {
  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer run;

  public InstancePhase phase;
  public String startTime;
  public String endTime;
  public String message;

  @JsonPropertyDescription(
      "How this run was started: Incomplete, Beginning or Step:<id>; null for run 1.")
  public String restartedFrom;

  @JsonPropertyDescription("Each top-level step's end: its state and last attempt, e.g. Failed/3.")
  public Map<String, String> steps;

  public Rollup rollup;
}
