package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One instance, as the Workflow's aggregate view names it. */
public class RunSummary {
  public String name;
  public Integer run;
  public InstancePhase phase;
  public String startTime;
  public String endTime;

  @JsonPropertyDescription("The instance's rollup progress, e.g. 12/12.")
  public String progress;
}
