package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What Baton recorded about a signal. */
public class SignalStatus {
  @JsonPropertyDescription(
      "The runs this signal started, one per (workflow, trigger) at most, each recorded once its"
          + " instance exists; or why the trigger could not start one.")
  public List<SignalRun> runs;
}
