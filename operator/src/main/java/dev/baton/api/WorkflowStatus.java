package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
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

  @Min(Integer.MIN_VALUE) // the schema refuses what an Integer cannot hold
  @Max(Integer.MAX_VALUE)
  public Integer stepCount;

  @JsonPropertyDescription(
      "The instances of this workflow that exist, by phase. Each counts once, in its current run.")
  public java.util.Map<String, Long> runs;

  @JsonPropertyDescription("The most recently created instance.")
  public RunSummary lastRun;

  @JsonPropertyDescription("The most recently ended instance that Succeeded.")
  public RunSummary lastSuccess;

  @JsonPropertyDescription(
      "Under StrictSequential: the failed instance that blocks the queue until it is restarted or"
          + " unblocked.")
  public String blockedBy;

  @JsonPropertyDescription("Each schedule of spec.triggers.schedules: its last and next times.")
  public java.util.List<ScheduleStatus> schedules;

  @JsonPropertyDescription("The earliest nextScheduledTime of the schedules.")
  public String nextScheduledTime;

  @JsonPropertyDescription("The latest lastScheduledTime of the schedules.")
  public String lastScheduledTime;

  @JsonPropertyDescription(
      "What the retention of finished instances has deleted, and its last error if any.")
  public RetentionStatus retention;

  @JsonPropertyDescription(
      "Each signal trigger's watermark (since), last run and last failure to start one.")
  public List<SignalTriggerStatus> signalTriggers;
}
