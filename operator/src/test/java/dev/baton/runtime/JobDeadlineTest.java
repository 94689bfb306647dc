package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.JobTemplate;
import dev.baton.flow.Command.CreateJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A step pod's activeDeadlineSeconds: the step timeout, never past the run's own deadline. */
class JobDeadlineTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  static CreateJob create(Duration timeout, Instant runDeadline) {
    JobTemplate t = new JobTemplate();
    t.image = "busybox";
    return new CreateJob(
        "a", 1, "run-1-a-1-x", t, null, null, List.of(), Map.of(), timeout, NOW, runDeadline);
  }

  static Long deadline(CreateJob c) {
    return new JobFactory(null)
        .build(KubernetesRuntimeTest.owner(), c, NOW)
        .getSpec()
        .getActiveDeadlineSeconds();
  }

  @Test
  void theStepTimeoutBoundsTheJob() {
    assertThat(deadline(create(Duration.ofMinutes(5), NOW.plus(Duration.ofHours(1)))))
        .isEqualTo(300);
  }

  @Test
  void theTimeTheRunHasLeftBoundsTheJobWhenShorter() {
    assertThat(deadline(create(Duration.ofHours(2), NOW.plus(Duration.ofMinutes(10)))))
        .isEqualTo(600);
    assertThat(deadline(create(null, NOW.plus(Duration.ofMillis(90_500))))).isEqualTo(91);
  }

  @Test
  void aRunPastItsDeadlineStillGetsAValidDeadline() {
    assertThat(deadline(create(null, NOW.minusSeconds(5)))).isEqualTo(1);
  }

  @Test
  void noTimeoutAndNoDeadlineLeaveTheJobUnbounded() {
    assertThat(deadline(create(null, null))).isNull();
  }
}
