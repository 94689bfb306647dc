package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** One instance, as the Workflow's aggregate view names it. */
public class RunSummary {
  public String name;

  @JsonPropertyDescription("The instance's creation time.")
  public String created;

  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer run;

  public InstancePhase phase;
  public String startTime;
  public String endTime;

  @JsonPropertyDescription("The instance's rollup progress, e.g. 12/12.")
  public String progress;
}
