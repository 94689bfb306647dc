package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** Leaf-step counts across a run's whole tree: its loops, their iterations and subworkflows. */
public class Rollup {
  @JsonPropertyDescription(
      "Leaf steps known so far: all of a plain DAG; for a loop, those of the iterations it has"
          + " (a while loop's count grows as it goes).")
  public Long total;

  @JsonPropertyDescription("Leaf steps in a final state.")
  public Long done;

  @JsonPropertyDescription("done/total, e.g. 1204/3000, for kubectl get.")
  public String progress;

  @JsonPropertyDescription("Leaf steps by state; states with none are left out.")
  public Map<String, Long> states;
}
