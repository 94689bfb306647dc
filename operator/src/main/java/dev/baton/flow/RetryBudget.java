package dev.baton.flow;

import dev.baton.api.Backoff;
import dev.baton.api.RetryPolicy;
import java.time.Duration;
import java.util.Locale;

/**
 * A step's retry budget: each failure kind (user, platform, timeout) has its own number of retries;
 * a fatal failure has none. Pure: the caller keeps the counts.
 */
final class RetryBudget {
  /** What follows a failed attempt. */
  sealed interface Decision {}

  /** Retry after {@code delay}. */
  record Retry(Duration delay) implements Decision {}

  /** No retries left; {@code note} says which budget ran out, for the step's message. */
  record GiveUp(String note) implements Decision {}

  private RetryBudget() {}

  /**
   * @param used failures of {@code kind} so far, this one included
   * @param attempt the attempt that failed
   */
  static Decision after(FailureKind kind, int used, RetryPolicy policy, int attempt) {
    int limit =
        switch (kind) {
          case USER -> RetryPolicy.userErrors(policy);
          case PLATFORM -> RetryPolicy.platformErrors(policy);
          case TIMEOUT -> RetryPolicy.timeouts(policy);
          case FATAL -> 0;
        };
    if (kind == FailureKind.FATAL) return new GiveUp("");
    if (used > limit)
      return new GiveUp(
          " (" + kind.name().toLowerCase(Locale.ROOT) + " retries used: " + limit + ")");
    return new Retry(Backoff.delayBefore(RetryPolicy.backoff(policy), attempt));
  }
}
