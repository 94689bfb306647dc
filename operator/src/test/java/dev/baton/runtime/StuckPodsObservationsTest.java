package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.flow.FlowEvent;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Pending pod's waiting reason reaches the reconciler, and becomes StepStuck. */
class StuckPodsObservationsTest {
  static final Instant NOW = Instant.parse("2024-05-01T00:10:00Z");

  static Pod pending(String waiting) {
    var b =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .withLabels(Map.of(Labels.INSTANCE, "i", Labels.STEP, "a", Labels.ATTEMPT, "1"))
            .withCreationTimestamp("2024-05-01T00:00:00Z")
            .endMetadata()
            .withNewStatus()
            .withPhase("Pending");
    if (waiting != null) {
      b.withContainerStatuses(
          new ContainerStatusBuilder()
              .withName("main")
              .withState(
                  new ContainerStateBuilder()
                      .withNewWaiting()
                      .withReason(waiting)
                      .withMessage("no such image")
                      .endWaiting()
                      .build())
              .build());
    }
    return b.endStatus().build();
  }

  @Test
  void aWaitingReasonChangePassesThePodFilter() {
    assertThat(Observations.podChangeMatters(pending("ImagePullBackOff"), pending(null))).isTrue();
    assertThat(Observations.podChangeMatters(pending("ContainerCreating"), pending(null)))
        .isFalse();
  }

  @Test
  void aPodWaitingOnItsImageIsStuckSinceItsCreation() {
    List<FlowEvent> events = Observations.of(List.of(), List.of(pending("ImagePullBackOff")), NOW);
    assertThat(events)
        .contains(
            new FlowEvent.StepStuck(
                "a",
                1,
                "ImagePullBackOff",
                "no such image",
                Instant.parse("2024-05-01T00:00:00Z"),
                NOW));
  }
}
