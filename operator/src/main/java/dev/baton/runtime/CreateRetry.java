package dev.baton.runtime;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a create whose outcome is unclear (no answer, a timeout, throttling, a server error) is
 * retried under the same name before the attempt is given up: the request may have landed, so a new
 * attempt under a new name could run the step twice, while the same name meets AlreadyExists and is
 * verified ({@link NameClaim}). Exponential backoff with jitter, bounded by a number of tries and
 * by time (and by the step's timeout).
 *
 * @param tries creates at most, the first included
 * @param within the time from the first try after which no try starts
 * @param first the delay before the first retry
 * @param cap the longest delay
 */
public record CreateRetry(int tries, Duration within, Duration first, Duration cap) {
  public static final CreateRetry DEFAULT =
      new CreateRetry(8, Duration.ofMinutes(2), Duration.ofMillis(250), Duration.ofSeconds(10));

  /**
   * The delay before retry {@code n} (1 for the first): between half and all of first × 2^(n-1),
   * capped.
   */
  Duration delay(int n) {
    long full = Math.min(cap.toMillis(), first.toMillis() << Math.min(20, n - 1));
    long half = full / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(full - half + 1));
  }
}
