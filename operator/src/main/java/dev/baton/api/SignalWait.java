package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * What a signal step waits for: a {@link SignalSelector} (the signal's name, conditions on its
 * params, a CEL condition), and for how long.
 */
public class SignalWait extends SignalSelector {
  @JsonPropertyDescription(
      "How long to wait, e.g. 6h. When no matching signal has come by then, the attempt fails as a"
          + " timeout (retried as retry.timeouts says, then the step's failureMode applies). Default:"
          + " no limit but the run's timeout.")
  @Pattern(Durations.PATTERN)
  public String timeout;
}
