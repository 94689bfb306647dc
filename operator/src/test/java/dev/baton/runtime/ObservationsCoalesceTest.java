package dev.baton.runtime;

import static dev.baton.runtime.ObservationFixtures.job;
import static dev.baton.runtime.ObservationFixtures.path;
import static dev.baton.runtime.ObservationFixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.flow.FlowEvent;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Observations#changes}: a reconcile tells the run only about the step attempts whose Job or
 * pods changed since the last one, and always which workloads exist.
 */
class ObservationsCoalesceTest {
  private static final Instant T0 = Instant.parse("2026-01-01T01:00:00Z");

  private final List<Job> jobs = new ArrayList<>();
  private final List<Pod> pods = new ArrayList<>();
  private final RunObjects reported = new RunObjects(new Object());

  ObservationsCoalesceTest() {
    for (int i = 0; i < 3; i++) {
      Job j = job(i, 1, "1" + i);
      jobs.add(j);
      pods.add(pod(j, "2" + i, "Running"));
    }
  }

  private List<FlowEvent> changes(Instant now) {
    return Observations.changes(jobs, pods, now, StuckPods.NoPodReasons.NONE, reported);
  }

  private static List<FlowEvent> stepEvents(List<FlowEvent> events) {
    return events.stream().filter(e -> !(e instanceof FlowEvent.WorkloadsObserved)).toList();
  }

  private static FlowEvent.WorkloadsObserved observed(List<FlowEvent> events) {
    return events.stream()
        .filter(FlowEvent.WorkloadsObserved.class::isInstance)
        .map(FlowEvent.WorkloadsObserved.class::cast)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theFirstReportIsEverythingOfWhichAllDoes() {
    assertThat(changes(T0)).isEqualTo(Observations.of(jobs, pods, T0));
  }

  @Test
  void nothingChangedTellsNoStepEventsButStillWhatExists() {
    changes(T0);
    List<FlowEvent> second = changes(T0.plusSeconds(1));
    assertThat(stepEvents(second)).isEmpty();
    assertThat(observed(second).present()).containsOnlyKeys(path(0), path(1), path(2));
    assertThat(observed(second).active()).hasSize(3);
  }

  @Test
  void aChangedPodIsReportedAndOnlyItsStep() {
    changes(T0);
    pods.set(1, pod(jobs.get(1), "99", "Succeeded"));
    List<FlowEvent> events = stepEvents(changes(T0.plusSeconds(1)));
    assertThat(events)
        .hasSize(2)
        .allSatisfy(e -> assertThat(e.toString()).contains(path(1)))
        .anySatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepSucceeded.class))
        .anySatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepLaunched.class));
    assertThat(stepEvents(changes(T0.plusSeconds(2)))).isEmpty();
  }

  @Test
  void aChangedJobIsReported() {
    changes(T0);
    pods.remove(2);
    jobs.set(2, job(2, 1, "98", "Failed"));
    List<FlowEvent> events = stepEvents(changes(T0.plusSeconds(1)));
    assertThat(events).allSatisfy(e -> assertThat(e.toString()).contains(path(2)));
    // With no pod left, the Job's verdict once the wait for one is over.
    events = stepEvents(changes(T0.plusSeconds(1).plus(Observations.POD_LAG_GRACE)));
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepFailed.class));
    assertThat(events).allSatisfy(e -> assertThat(e.toString()).contains(path(2)));
  }

  @Test
  void aDeletedPodReportsItsCompleteJob() {
    // The Job's success is held back while its pod is cached and not ended; with the pod gone, the
    // unchanged Job is all there is to go by, once the wait for a pod is over.
    jobs.set(0, job(0, 1, "50", "Complete"));
    changes(T0);
    pods.remove(0);
    assertThat(stepEvents(changes(T0.plusSeconds(1))))
        .noneSatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepSucceeded.class));
    assertThat(stepEvents(changes(T0.plus(Observations.POD_LAG_GRACE))))
        .anySatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepSucceeded.class));
  }

  @Test
  void aDeletedJobIsMissingFromWhatExists() {
    changes(T0);
    Job gone = jobs.remove(1);
    Pod itsPod = pods.get(1);
    pods.removeIf(p ->
        p.getMetadata()
            .getOwnerReferences()
            .getFirst()
            .getUid()
            .equals(gone.getMetadata().getUid()));
    List<FlowEvent> events = changes(T0.plusSeconds(1));
    assertThat(stepEvents(events)).isEmpty();
    assertThat(observed(events).present()).containsOnlyKeys(path(0), path(2));
    // Made again (the same attempt, as after a lost create), it is reported again.
    jobs.add(gone);
    pods.add(itsPod);
    assertThat(stepEvents(changes(T0.plusSeconds(2))))
        .hasSize(2)
        .allSatisfy(e -> assertThat(e.toString()).contains(path(1)))
        .anySatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepLaunched.class))
        .anySatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepStarted.class));
  }

  @Test
  void aJobWithoutAPodIsStuckOnceTheGracePasses() {
    jobs.add(job(7, 1, "70"));
    Instant created = Instant.parse("2026-01-01T00:00:00Z");
    // Reported at creation: not stuck yet.
    assertThat(Observations.changes(jobs, pods, created, StuckPods.NoPodReasons.NONE, reported))
        .noneSatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepStuck.class));
    // Unchanged, past the grace: stuck.
    assertThat(stepEvents(changes(created.plus(StuckPods.NO_POD_GRACE).plusSeconds(1))))
        .singleElement()
        .isInstanceOf(FlowEvent.StepStuck.class);
  }

  @Test
  void everythingIsReportedAgainAfterTheResyncPeriod() {
    changes(T0);
    assertThat(stepEvents(changes(T0.plus(Duration.ofMinutes(1))))).isEmpty();
    Instant later = T0.plus(RunObjects.FULL_RESYNC);
    assertThat(changes(later)).isEqualTo(Observations.of(jobs, pods, later));
    assertThat(stepEvents(changes(later.plusSeconds(1)))).isEmpty();
  }

  @Test
  void forgettingReportsEverythingAgain() {
    changes(T0);
    reported.forgetAll();
    assertThat(changes(T0.plusSeconds(1)))
        .isEqualTo(Observations.of(jobs, pods, T0.plusSeconds(1)));
  }
}
