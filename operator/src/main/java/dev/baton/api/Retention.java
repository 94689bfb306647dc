package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * How many finished top-level instances of a workflow are kept, and for how long. A count is a
 * number from 0 to 1,000,000 or the string {@code All}; an absent field takes its default.
 */
public class Retention {
  /** The default of {@link #succeeded} and of {@link #failed}. */
  public static final int DEFAULT_KEEP = 100;

  /** The most a count can be; {@link #ALL} keeps every one. */
  public static final int MAX_KEEP = 1_000_000;

  /** The count that keeps every instance of its kind. */
  public static final String ALL = "All";

  private static final String COUNT_RULE =
      "type(self) == string ? self == 'All' : (self >= 0 && self <= 1000000)";
  private static final String COUNT_MESSAGE = "must be a number from 0 to 1000000, or All";

  @JsonPropertyDescription(
      "How many Succeeded instances to keep: the newest by end time. A number from 0 to 1000000,"
          + " or All to keep every one. Default 100.")
  @ValidationRule(value = COUNT_RULE, message = COUNT_MESSAGE)
  public IntOrString succeeded;

  @JsonPropertyDescription(
      "How many unsuccessful instances (Failed, TimedOut or Stopped) to keep: the newest by end"
          + " time. A number from 0 to 1000000, or All to keep every one. Default 100.")
  @ValidationRule(value = COUNT_RULE, message = COUNT_MESSAGE)
  public IntOrString failed;

  @JsonPropertyDescription(
      "How long a finished instance is kept after its end time, whatever the counts say, e.g. 7d"
          + " or 12h. Default: no limit.")
  @Pattern(Durations.PATTERN)
  @Size(max = 40)
  public String ttlAfterFinished;

  /** How many Succeeded instances to keep; empty for All. */
  public OptionalInt succeededOrDefault() {
    return keep(succeeded);
  }

  /** How many unsuccessful instances to keep; empty for All. */
  public OptionalInt failedOrDefault() {
    return keep(failed);
  }

  /** The TTL after finishing, or empty for none. */
  public java.util.Optional<Duration> ttl() {
    return ttlAfterFinished == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(Durations.parse(ttlAfterFinished));
  }

  /**
   * A count as the schema admits it: a number from 0 to {@link #MAX_KEEP}, or {@link #ALL}; absent
   * means {@link #DEFAULT_KEEP}. Anything else, which the schema refuses, reads as All: the safe
   * side, deleting nothing.
   */
  static OptionalInt keep(IntOrString count) {
    if (count == null || (count.getIntVal() == null && count.getStrVal() == null)) {
      return OptionalInt.of(DEFAULT_KEEP);
    }
    Integer n = count.getIntVal();
    return n != null && n >= 0 && n <= MAX_KEEP ? OptionalInt.of(n) : OptionalInt.empty();
  }
}
