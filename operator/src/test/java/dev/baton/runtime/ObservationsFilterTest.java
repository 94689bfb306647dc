package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The informer update filters must pass every change {@link Observations#of} reads (a missed one
 * would leave a step hanging until the next unrelated event) and may drop the rest.
 */
class ObservationsFilterTest {
  private static Pod pod(String phase, String nodeName, List<String> finalizers) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .addToLabels(Labels.INSTANCE, "i")
        .withFinalizers(finalizers)
        .endMetadata()
        .withNewSpec()
        .withNodeName(nodeName)
        .endSpec()
        .withNewStatus()
        .withPhase(phase)
        .endStatus()
        .build();
  }

  private static Job job(String... conditions) {
    var b =
        new JobBuilder()
            .withNewMetadata()
            .withName("j")
            .addToLabels(Labels.INSTANCE, "i")
            .endMetadata()
            .withNewStatus();
    for (String c : conditions)
      b = b.addNewCondition().withType(c).withStatus("True").endCondition();
    return b.endStatus().build();
  }

  @Test
  void podUpdatesPassOnlyWhenThePhaseChanges() {
    Pod created = pod("Pending", null, List.of("batch.kubernetes.io/job-tracking"));
    Pod bound = pod("Pending", "node", List.of("batch.kubernetes.io/job-tracking"));
    Pod running = pod("Running", "node", List.of("batch.kubernetes.io/job-tracking"));
    Pod succeeded = pod("Succeeded", "node", List.of("batch.kubernetes.io/job-tracking"));
    Pod untracked = pod("Succeeded", "node", List.of());

    assertThat(Observations.podChangeMatters(bound, created)).isFalse();
    assertThat(Observations.podChangeMatters(running, bound)).isTrue();
    assertThat(Observations.podChangeMatters(succeeded, running)).isTrue();
    assertThat(Observations.podChangeMatters(untracked, succeeded)).isFalse();
    // A pod that skips Running still counts: the filter compares phases, not expected sequences.
    assertThat(Observations.podChangeMatters(succeeded, bound)).isTrue();
  }

  @Test
  void whatThePassedPodsSayIsWhatTheDroppedOnesWouldHaveSaid() {
    // The dropped updates report the same facts as the one before them.
    var ref = new Observations.StepRef("i", "s", 1);
    Instant now = Instant.EPOCH;
    assertThat(Observations.podEvent(ref, pod("Succeeded", "node", List.of()), now))
        .isEqualTo(
            Observations.podEvent(
                ref, pod("Succeeded", "node", List.of("batch.kubernetes.io/job-tracking")), now));
    assertThat(Observations.podEvent(ref, pod("Pending", "node", List.of()), now))
        .isEqualTo(Observations.podEvent(ref, pod("Pending", null, List.of()), now));
  }

  @Test
  void jobUpdatesPassOnlyWhenTheConditionsChange() {
    Job created = job();
    Job active = job();
    active.getStatus().setActive(1);
    active.getStatus().setReady(1);
    Job criteriaMet = job("SuccessCriteriaMet");
    Job complete = job("SuccessCriteriaMet", "Complete");
    Job failed = job("FailureTarget", "Failed");

    assertThat(Observations.jobChangeMatters(active, created)).isFalse();
    assertThat(Observations.jobChangeMatters(criteriaMet, active)).isTrue();
    assertThat(Observations.jobChangeMatters(complete, criteriaMet)).isTrue();
    assertThat(Observations.jobChangeMatters(failed, active)).isTrue();

    Job completeAgain = job("SuccessCriteriaMet", "Complete");
    completeAgain.getStatus().setSucceeded(1);
    assertThat(Observations.jobChangeMatters(completeAgain, complete)).isFalse();
  }
}
