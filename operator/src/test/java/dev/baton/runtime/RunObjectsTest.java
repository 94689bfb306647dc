package dev.baton.runtime;

import static dev.baton.runtime.ObservationFixtures.INSTANCE_UID;
import static dev.baton.runtime.ObservationFixtures.job;
import static dev.baton.runtime.ObservationFixtures.path;
import static dev.baton.runtime.ObservationFixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.flow.FailureKind;
import dev.baton.flow.FlowEvent;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RunObjects} between full readings: only the objects the informers said changed are read,
 * and what they change is told, as a reading of all of them would tell it.
 */
class RunObjectsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T01:00:00Z");

  /** The informers' caches, and the names recorded as changed since the last pass. */
  private final List<Job> jobs = new ArrayList<>();

  private final List<Pod> pods = new ArrayList<>();
  private ChangedObjects.Names told = fresh();
  private final RunObjects memory = new RunObjects(new Object());

  private static ChangedObjects.Names fresh() {
    return new ChangedObjects.Names(new HashSet<>(), new HashSet<>());
  }

  private final InstanceObjects caches = InstanceObjects.of(jobs, pods, this::take);

  private ChangedObjects.Names take() {
    ChangedObjects.Names taken = told;
    told = fresh();
    return taken;
  }

  private List<FlowEvent> pass(Instant now) {
    return Observations.events(
        memory.observe(INSTANCE_UID, caches, now), now, StuckPods.NoPodReasons.NONE);
  }

  private static List<FlowEvent> stepEvents(List<FlowEvent> events) {
    return events.stream().filter(e -> !(e instanceof FlowEvent.WorkloadsObserved)).toList();
  }

  private static FlowEvent.WorkloadsObserved observed(List<FlowEvent> events) {
    return (FlowEvent.WorkloadsObserved) events.getLast();
  }

  private void put(Pod pod) {
    pods.removeIf(p -> p.getMetadata().getName().equals(pod.getMetadata().getName()));
    pods.add(pod);
  }

  private void put(Job job) {
    jobs.removeIf(j -> j.getMetadata().getName().equals(job.getMetadata().getName()));
    jobs.add(job);
  }

  @Test
  void aChangedPodToldByNameIsReadAndReported() {
    Job j = job(0, 1, "1");
    put(j);
    put(pod(j, "2", "Running"));
    pass(T0);
    put(pod(j, "3", "Succeeded"));
    told.pods().add(pods.getFirst().getMetadata().getName());
    assertThat(stepEvents(pass(T0.plusSeconds(1))))
        .anySatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepSucceeded.class));
    assertThat(stepEvents(pass(T0.plusSeconds(2)))).isEmpty();
  }

  @Test
  void aNewJobToldByNameIsPresentAndAGoneOneIsNot() {
    put(job(0, 1, "1"));
    pass(T0);
    Job second = job(1, 1, "5");
    put(second);
    told.jobs().add(second.getMetadata().getName());
    assertThat(observed(pass(T0.plusSeconds(1))).present()).containsOnlyKeys(path(0), path(1));
    jobs.remove(second);
    told.jobs().add(second.getMetadata().getName());
    assertThat(observed(pass(T0.plusSeconds(2))).present()).containsOnlyKeys(path(0));
  }

  @Test
  void aRetryIsTheNewestAttemptUntilItsJobGoes() {
    put(job(0, 1, "1", "Failed"));
    pass(T0);
    Job retry = job(0, 2, "2");
    put(retry);
    told.jobs().add(retry.getMetadata().getName());
    assertThat(observed(pass(T0.plusSeconds(1))).present()).containsEntry(path(0), 2);
    jobs.remove(retry);
    told.jobs().add(retry.getMetadata().getName());
    assertThat(observed(pass(T0.plusSeconds(2))).present()).containsEntry(path(0), 1);
  }

  @Test
  void whatIsPresentIsOneViewKeptCurrentNotACopyPerPass() {
    put(job(0, 1, "1"));
    var first = observed(pass(T0)).present();
    Job second = job(1, 1, "5");
    put(second);
    told.jobs().add(second.getMetadata().getName());
    var next = observed(pass(T0.plusSeconds(1))).present();
    // A pass of a loop with thousands of iterations must not copy them all: the same view, current.
    assertThat(next).isSameAs(first).containsOnlyKeys(path(0), path(1));
    // And read-only to the engine.
    assertThatThrownBy(() -> next.put(path(2), 1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void forgettingAllStartsANewViewAndLeavesTheOldOneWhole() {
    put(job(0, 1, "1"));
    put(job(1, 1, "2"));
    var before = observed(pass(T0)).present();
    memory.forgetAll();
    jobs.removeLast();
    var after = observed(pass(T0.plusSeconds(1))).present();
    // An event still queued for the engine does not see every step vanish meanwhile.
    assertThat(before).containsOnlyKeys(path(0), path(1));
    assertThat(after).isNotSameAs(before).containsOnlyKeys(path(0));
  }

  @Test
  void aJobsEndToldBeforeItsPodsIsDecidedByThePodTheCacheHolds() {
    // The pod failed with the user's exit code, and the Job controller then marked the Job Failed:
    // the Job's update is told first, the pod's is in the cache and on its way.
    Job j = job(0, 1, "1");
    put(j);
    put(pod(j, "2", "Running"));
    pass(T0);
    Pod failed = pod(j, "3", "Failed");
    failed
        .getStatus()
        .getContainerStatuses()
        .getFirst()
        .getState()
        .setTerminated(
            new io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder()
                .withExitCode(3)
                .withReason("Error")
                .build());
    failed.getStatus().getContainerStatuses().getFirst().getState().setRunning(null);
    put(failed);
    put(job(0, 1, "4", "Failed"));
    told.jobs().add(j.getMetadata().getName());
    List<FlowEvent> events = stepEvents(pass(T0.plusSeconds(1)));
    assertThat(events)
        .filteredOn(FlowEvent.StepFailed.class::isInstance)
        .singleElement()
        .satisfies(e -> assertThat(((FlowEvent.StepFailed) e).kind()).isEqualTo(FailureKind.USER));
  }

  @Test
  void aPodWhoseJobComesLaterCountsWhenItDoes() {
    Job j = job(0, 1, "1");
    Pod p = pod(j, "2", "Succeeded");
    put(p);
    assertThat(stepEvents(pass(T0))).isEmpty();
    put(j);
    told.jobs().add(j.getMetadata().getName());
    assertThat(stepEvents(pass(T0.plusSeconds(1))))
        .anySatisfy(e -> assertThat(e).isInstanceOf(FlowEvent.StepSucceeded.class));
  }

  @Test
  void whatWasNotToldIsReadAtTheFullResync() {
    Job j = job(0, 1, "1");
    put(j);
    put(pod(j, "2", "Running"));
    pass(T0);
    put(pod(j, "3", "Succeeded"));
    // Not told: the memory keeps what it read...
    assertThat(stepEvents(pass(T0.plusSeconds(1)))).isEmpty();
    // ...until everything is read again.
    Instant later = T0.plus(RunObjects.FULL_RESYNC);
    assertThat(pass(later)).isEqualTo(Observations.of(jobs, pods, later));
  }

  @Test
  void aReadingThatFailsHalfWayReadsEverythingNextTime() {
    Job j = job(0, 1, "1");
    put(j);
    pass(T0);
    told.jobs().add("boom");
    InstanceObjects failing =
        new InstanceObjects.Lists(jobs, pods, this::take) {
          @Override
          public Job job(String name) {
            throw new IllegalStateException("cache unavailable");
          }
        };
    assertThatThrownBy(() -> memory.observe(INSTANCE_UID, failing, T0.plusSeconds(1)))
        .isInstanceOf(IllegalStateException.class);
    Instant next = T0.plusSeconds(2);
    assertThat(pass(next)).isEqualTo(Observations.of(jobs, pods, next));
  }

  /**
   * The unfinished Jobs with no pod and those whose pod still runs are kept as objects come, change
   * and go (a pass does not walk every unfinished Job): after any sequence of told changes they are
   * what a reading of every object says, including pods that come before their Job, Jobs of another
   * instance, and retries.
   */
  @Test
  void podlessAndRunningJobsFollowEveryChangeAsAFullReadingWould() {
    java.util.Random random = new java.util.Random(42);
    int version = 10;
    for (int round = 0; round < 3000; round++) {
      int i = random.nextInt(4);
      int attempt = 1 + random.nextInt(2);
      String name = "run-work-" + i + "-" + attempt;
      int what = random.nextInt(10);
      String rv = Integer.toString(version++);
      if (what < 4) {
        Job j =
            switch (random.nextInt(4)) {
              case 0 -> job(i, attempt, rv, "Complete");
              case 1 -> otherInstances(job(i, attempt, rv));
              default -> job(i, attempt, rv);
            };
        put(j);
        told.jobs().add(name);
      } else if (what < 5) {
        jobs.removeIf(j -> j.getMetadata().getName().equals(name));
        told.jobs().add(name);
      } else if (what < 9) {
        String phase = List.of("Pending", "Running", "Succeeded", "Failed").get(random.nextInt(4));
        Pod p = pod(job(i, attempt, "0"), rv, phase);
        put(p);
        told.pods().add(p.getMetadata().getName());
      } else {
        String podName = pod(job(i, attempt, "0"), "0", "Pending").getMetadata().getName();
        pods.removeIf(p -> p.getMetadata().getName().equals(podName));
        told.pods().add(podName);
      }
      Instant now = T0.plusMillis(round);
      RunObjects.Pass pass = memory.observe(INSTANCE_UID, caches, now);
      assertThat(names(pass.podless())).as("podless after round %d", round).isEqualTo(podless());
      assertThat(names(pass.running())).as("running after round %d", round).isEqualTo(running());
      assertThat(Observations.activeJobs(pass))
          .extracting(FlowEvent.ActiveJob::name)
          .containsExactlyInAnyOrderElementsOf(running());
    }
  }

  private static Job otherInstances(Job j) {
    j.getMetadata().getOwnerReferences().getFirst().setUid("another-instance");
    return j;
  }

  private static java.util.Set<String> names(java.util.Collection<RunObjects.Seen> seen) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (RunObjects.Seen s : seen) out.add(s.name);
    return out;
  }

  /** Owned Jobs, unfinished, whose attempt has no owned pod: read from every object. */
  private java.util.Set<String> podless() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (Job j : ownedUnfinished())
      if (podsOf(j, false).isEmpty()) out.add(j.getMetadata().getName());
    return out;
  }

  /** Owned Jobs, unfinished, counted active, whose attempt has no owned pod that ended. */
  private java.util.Set<String> running() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (Job j : ownedUnfinished()) {
      if (Observations.isActive(j) && podsOf(j, true).isEmpty()) out.add(j.getMetadata().getName());
    }
    return out;
  }

  private List<Job> ownedUnfinished() {
    return jobs.stream()
        .filter(j -> INSTANCE_UID.equals(j.getMetadata().getOwnerReferences().getFirst().getUid()))
        .filter(j -> !Observations.finished(j))
        .toList();
  }

  /** The pods of {@code j}'s attempt controlled by an owned Job ({@code ended}: terminal only). */
  private List<Pod> podsOf(Job j, boolean ended) {
    String attempt = j.getMetadata().getLabels().get(dev.baton.runtime.Labels.ATTEMPT);
    String step = j.getMetadata().getAnnotations().get(dev.baton.runtime.Labels.STEP_PATH);
    return pods.stream()
        .filter(
            p -> attempt.equals(p.getMetadata().getLabels().get(dev.baton.runtime.Labels.ATTEMPT)))
        .filter(p ->
            step.equals(p.getMetadata().getAnnotations().get(dev.baton.runtime.Labels.STEP_PATH)))
        .filter(p ->
            jobs.stream()
                .anyMatch(o ->
                    o.getMetadata()
                            .getUid()
                            .equals(p.getMetadata().getOwnerReferences().getFirst().getUid())
                        && INSTANCE_UID.equals(
                            o.getMetadata().getOwnerReferences().getFirst().getUid())))
        .filter(p -> !ended || List.of("Succeeded", "Failed").contains(p.getStatus().getPhase()))
        .toList();
  }
}
