package dev.baton.signals;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerRunNamesTest {
  @Test
  void theNameIsAPureFunctionOfWorkflowTriggerAndSignals() {
    String a = TriggerRunNames.instanceName("nightly", "on-table", List.of("u1"));
    assertThat(TriggerRunNames.instanceName("nightly", "on-table", List.of("u1"))).isEqualTo(a);
    assertThat(a).matches("nightly-[0-9a-f]{20}");
    assertThat(TriggerRunNames.instanceName("nightly", "on-table", List.of("u2"))).isNotEqualTo(a);
    assertThat(TriggerRunNames.instanceName("nightly", "other", List.of("u1"))).isNotEqualTo(a);
    assertThat(TriggerRunNames.instanceName("nightly2", "on-table", List.of("u1"))).isNotEqualTo(a);
    // Selector order counts: (u1, u2) and (u2, u1) are different joins.
    assertThat(TriggerRunNames.instanceName("w", "t", List.of("u1", "u2")))
        .isNotEqualTo(TriggerRunNames.instanceName("w", "t", List.of("u2", "u1")));
  }

  @Test
  void longWorkflowNamesAreCutToFitALabelValue() {
    String name =
        TriggerRunNames.instanceName("w".repeat(41) + "-.x" + "y".repeat(200), "t", List.of("u"));
    assertThat(name).hasSizeLessThanOrEqualTo(63).matches("w{41}-[0-9a-f]{20}");
    assertThat(TriggerRunNames.instanceName("a".repeat(253), "t", List.of("u"))).hasSize(63);
  }

  @Test
  void aSignalCountsFromTheWatermarkOnToTheSecond() {
    Instant created = Instant.parse("2026-01-01T00:00:10Z");
    Instant now = Instant.parse("2026-01-01T00:05:00.700Z");
    // A trigger of the Workflow's first version counts from the Workflow's creation...
    assertThat(Watermark.since(1, created, now)).isEqualTo(created);
    // ...one added later from when the operator first saw it, cut to the second.
    Instant later = Watermark.since(3, created, now);
    assertThat(later).isEqualTo(Instant.parse("2026-01-01T00:05:00Z"));
    assertThat(Watermark.counts(Instant.parse("2026-01-01T00:05:00Z"), later)).isTrue();
    assertThat(Watermark.counts(Instant.parse("2026-01-01T00:04:59Z"), later)).isFalse();
    assertThat(Watermark.counts(Instant.parse("2026-01-01T00:04:59Z"), null)).isFalse();
  }
}
