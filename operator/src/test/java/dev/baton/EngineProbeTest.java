package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EngineProbeTest {
  static final class ManualClock extends Clock {
    final AtomicLong millis = new AtomicLong(1_000_000);

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }
  }

  @Test
  void aBlockedEngineIsReportedAfterTheThresholdAndRecovers() throws Exception {
    ExecutorService engine = Executors.newSingleThreadExecutor();
    ManualClock clock = new ManualClock();
    EngineProbe probe = new EngineProbe(engine, clock, Duration.ofSeconds(30));
    CountDownLatch release = new CountDownLatch(1);
    engine.execute(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(probe.problems()).isEmpty(); // sends the no-op, which waits behind the blocked task
    clock.millis.addAndGet(29_000);
    assertThat(probe.problems()).isEmpty();
    clock.millis.addAndGet(2_000);
    assertThat(probe.problems()).singleElement().asString().contains("has not run a task for 31s");

    release.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!probe.problems().isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
    assertThat(probe.problems()).isEmpty();

    engine.shutdown();
    assertThat(probe.problems()).containsExactly("the flow engine's executor is shut down");
  }
}
