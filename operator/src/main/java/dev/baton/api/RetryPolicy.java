package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * Separate retry budgets per kind of failure, as in Maestro: a user error (the container exited
 * non-zero) is often a real bug, a platform error (evicted, deleted, could not be created) almost
 * never is.
 */
public class RetryPolicy {
  public static final int DEFAULT_USER_ERRORS = 2;
  public static final int DEFAULT_PLATFORM_ERRORS = 10;
  public static final int DEFAULT_TIMEOUTS = 0;

  @JsonPropertyDescription("Retries after a non-zero exit or bad output. Default 2, at most 99.")
  @Min(0)
  @Max(99)
  public Integer userErrors;

  @JsonPropertyDescription(
      "Retries after the platform lost the step: pod evicted or deleted, Job deleted, Job could"
          + " not be created. Default 10, at most 99.")
  @Min(0)
  @Max(99)
  public Integer platformErrors;

  @JsonPropertyDescription("Retries after the step timed out. Default 0, at most 99.")
  @Min(0)
  @Max(99)
  public Integer timeouts;

  @JsonPropertyDescription(
      "The wait before each retry. Default exponential from 10s, capped at 10m.")
  public Backoff backoff;

  public static int userErrors(RetryPolicy p) {
    return p == null || p.userErrors == null ? DEFAULT_USER_ERRORS : p.userErrors;
  }

  public static int platformErrors(RetryPolicy p) {
    return p == null || p.platformErrors == null ? DEFAULT_PLATFORM_ERRORS : p.platformErrors;
  }

  public static int timeouts(RetryPolicy p) {
    return p == null || p.timeouts == null ? DEFAULT_TIMEOUTS : p.timeouts;
  }

  public static Backoff backoff(RetryPolicy p) {
    return p == null ? null : p.backoff;
  }
}
