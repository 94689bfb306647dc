package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A tiny run of the watch-decode benchmark (scripts/bench-watch-decode.sh runs the full one), so it
 * cannot rot: both serializations must still decode every recorded event. It checks no speed.
 */
class WatchDecodeBenchmarkSmokeTest {
  @Test
  void bothSerializationsDecodeTheRecordedEvents() {
    WatchDecodeBenchmark.Result result = WatchDecodeBenchmark.measure(20);

    assertThat(result.baselineMicros()).isPositive();
    assertThat(result.operatorMicros()).isPositive();
  }
}
