package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.time.Duration;

/** How long to wait before each retry. */
public class Backoff {
  public static final Duration DEFAULT_DELAY = Duration.ofSeconds(10);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(10);
  public static final int DEFAULT_FACTOR = 2;

  @JsonPropertyDescription("exponential (the default) or fixed.")
  public BackoffType type;

  @JsonPropertyDescription("The first wait, e.g. 10s (the default).")
  @Pattern(Durations.PATTERN)
  public String delay;

  @JsonPropertyDescription("For exponential: each wait is factor times the one before. Default 2.")
  @Min(1)
  @Max(10)
  public Integer factor;

  @JsonPropertyDescription("For exponential: no wait is longer than this. Default 10m.")
  @Pattern(Durations.PATTERN)
  public String maxDelay;

  /** The wait before retry number {@code retry} (1 for the first retry). */
  public static Duration delayBefore(Backoff backoff, int retry) {
    BackoffType type =
        backoff == null || backoff.type == null ? BackoffType.EXPONENTIAL : backoff.type;
    Duration delay =
        backoff == null ? DEFAULT_DELAY : Durations.parseOr(backoff.delay, DEFAULT_DELAY);
    if (type == BackoffType.FIXED) {
      return delay;
    }
    Duration max =
        backoff == null
            ? DEFAULT_MAX_DELAY
            : Durations.parseOr(backoff.maxDelay, DEFAULT_MAX_DELAY);
    int factor = backoff == null || backoff.factor == null ? DEFAULT_FACTOR : backoff.factor;
    Duration d = delay;
    for (int i = 1; i < retry && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(factor);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
