package dev.baton.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The tests' one way to wait: what it waited for and what it saw last, when it times out. */
class ClusterAwaitTest {

  @Test
  void returnsTheFirstValueThatHolds() {
    AtomicInteger n = new AtomicInteger();
    assertThat(Cluster.await("three", n::incrementAndGet, v -> v == 3, Duration.ofSeconds(5)))
        .isEqualTo(3);
  }

  @Test
  void canAwaitAbsence() {
    Object found = Cluster.await("nothing", () -> null, Objects::isNull, Duration.ofSeconds(5));
    assertThat(found).isNull();
  }

  @Test
  void aTimeoutSaysWhatWasAwaitedAndTheLastValueSeen() {
    assertThatThrownBy(
            () -> Cluster.await("the answer", () -> 41, v -> v == 42, Duration.ofMillis(100)))
        .isInstanceOf(AssertionError.class)
        .hasMessage("timed out waiting for the answer; last seen:\n41");
  }
}
