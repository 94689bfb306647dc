package dev.baton.e2e;

import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polling on the test side (the operator itself never polls). */
final class Dev {
  private Dev() {}

  static <T> T await(String what, Supplier<T> get, Predicate<T> ok, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    while (System.nanoTime() < deadline) {
      last = get.get();
      if (ok.test(last)) return last;
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    String shown = last instanceof HasMetadata h ? Serialization.asYaml(h) : String.valueOf(last);
    return fail("timed out after " + timeout + " waiting for " + what + "; last seen:\n" + shown);
  }
}
