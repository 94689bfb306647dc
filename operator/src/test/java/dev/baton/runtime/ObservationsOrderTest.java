package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.JobTemplate;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.flow.Command;
import dev.baton.flow.FailureKind;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.JobNames;
import dev.baton.testing.FakeKubelet;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Job and Pod informers are separate streams: a step's Job can be seen Complete while its pod,
 * which carries the outputs, is still cached as running.
 */
class ObservationsOrderTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static Job completeJob() {
    WorkflowInstance owner = new WorkflowInstance();
    owner.setMetadata(
        new ObjectMetaBuilder().withName("run").withNamespace("ns").withUid("uid-run").build());
    owner.setSpec(new WorkflowInstanceSpec());
    owner.getSpec().workflow = "wf";
    JobTemplate t = new JobTemplate();
    t.image = "busybox";
    Job job =
        new JobFactory(null)
            .build(
                owner,
                new Command.CreateJob(
                    "poll",
                    1,
                    JobNames.of("run", "poll", 1),
                    t,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null));
    job.getMetadata().setUid("uid-job");
    job.setStatus(
        new JobStatusBuilder()
            .withSucceeded(1)
            .withConditions(
                new JobConditionBuilder().withType("Complete").withStatus("True").build())
            .build());
    return job;
  }

  private static Pod pod(Job job, String phase, String terminationMessage) {
    var meta =
        new ObjectMetaBuilder()
            .withName("run-poll-1-p")
            .withNamespace("ns")
            .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
            .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations())
            .withOwnerReferences(FakeKubelet.controllerRef(job));
    var cs = new ContainerStatusBuilder().withName(Labels.MAIN_CONTAINER);
    if (phase.equals("Failed")) {
      cs.withNewState()
          .withNewTerminated()
          .withExitCode(2)
          .withReason("Error")
          .withMessage(terminationMessage)
          .endTerminated()
          .endState();
    } else if (phase.equals("Succeeded")) {
      cs.withNewState()
          .withNewTerminated()
          .withExitCode(0)
          .withMessage(terminationMessage)
          .endTerminated()
          .endState();
    } else {
      cs.withNewState()
          .withNewRunning()
          .withStartedAt("2026-01-01T00:00:00Z")
          .endRunning()
          .endState();
    }
    return new PodBuilder()
        .withMetadata(meta.build())
        .withNewStatus()
        .withPhase(phase)
        .withContainerStatuses(cs.build())
        .endStatus()
        .build();
  }

  private static List<FlowEvent.StepSucceeded> successes(List<FlowEvent> events) {
    return events.stream()
        .filter(FlowEvent.StepSucceeded.class::isInstance)
        .map(FlowEvent.StepSucceeded.class::cast)
        .toList();
  }

  @Test
  void aCompleteJobWhosePodIsStillCachedRunningWaitsForThePodsEndAndItsOutputs() {
    Job job = completeJob();

    List<FlowEvent> events = Observations.of(List.of(job), List.of(pod(job, "Running", null)), NOW);

    assertThat(successes(events)).isEmpty();
    assertThat(events).anyMatch(FlowEvent.StepStarted.class::isInstance);
  }

  @Test
  void thePodsEndThenReportsTheSuccessWithTheOutputs() {
    Job job = completeJob();

    List<FlowEvent> events =
        Observations.of(List.of(job), List.of(pod(job, "Succeeded", "{\"ready\": true}")), NOW);

    assertThat(successes(events))
        .singleElement()
        .satisfies(s -> assertThat(s.terminationMessage()).isEqualTo("{\"ready\": true}"));
  }

  @Test
  void aCompleteJobWithNoPodCachedSucceedsFromTheJobAloneOnceTheWaitIsOver() {
    Job job = endedAt(completeJob(), NOW.minusSeconds(1));
    RunObjects reported = new RunObjects(null);

    assertThat(successes(pass(reported, job, List.of(), NOW))).isEmpty();
    assertThat(successes(pass(reported, job, List.of(), NOW.plus(Observations.POD_LAG_GRACE))))
        .singleElement()
        .satisfies(s -> assertThat(s.terminationMessage()).isNull());
  }

  /** The Job as the Job controller shows it once its pod failed ({@code backoffLimit: 0}). */
  private static Job failedJob(String reason) {
    Job job = completeJob();
    job.setStatus(
        new JobStatusBuilder()
            .withFailed(1)
            .withConditions(
                new JobConditionBuilder()
                    .withType("Failed")
                    .withStatus("True")
                    .withReason(reason)
                    .withMessage("Job has reached the specified backoff limit")
                    .build())
            .build());
    return job;
  }

  private static List<FlowEvent.StepFailed> failures(List<FlowEvent> events) {
    return events.stream()
        .filter(FlowEvent.StepFailed.class::isInstance)
        .map(FlowEvent.StepFailed.class::cast)
        .toList();
  }

  @Test
  void aFailedJobWhosePodIsStillCachedRunningWaitsForThePodsEnd() {
    Job job = failedJob("BackoffLimitExceeded");

    List<FlowEvent> events = Observations.of(List.of(job), List.of(pod(job, "Running", null)), NOW);

    assertThat(failures(events)).isEmpty();
  }

  @Test
  void thePodsNonZeroExitThenFailsTheAttemptAsAUserError() {
    Job job = failedJob("BackoffLimitExceeded");

    List<FlowEvent> events =
        Observations.of(List.of(job), List.of(pod(job, "Failed", "bad input")), NOW);

    assertThat(failures(events))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.kind()).isEqualTo(FailureKind.USER);
          assertThat(f.exitCode()).isEqualTo(2);
          assertThat(f.message()).isEqualTo("exit code 2: bad input");
        });
  }

  @Test
  void aJobFailedForItsDeadlineIsATimeoutWhateverThePodShowsYet() {
    Job job = failedJob("DeadlineExceeded");

    List<FlowEvent> events = Observations.of(List.of(job), List.of(pod(job, "Running", null)), NOW);

    assertThat(failures(events))
        .singleElement()
        .satisfies(f -> assertThat(f.kind()).isEqualTo(FailureKind.TIMEOUT));
  }

  @Test
  void aFailedJobWhosePodIsBeingDeletedOrGoneFailsFromTheJobAsAPlatformError() {
    Job job = endedAt(failedJob("BackoffLimitExceeded"), NOW.minusSeconds(1));
    Pod deleting = pod(job, "Running", null);
    deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");

    // Being deleted: its end will not tell more, so the Job's verdict stands at once.
    assertThatItFailsAsAPlatformError(Observations.of(List.of(job), List.of(deleting), NOW));
    // Gone: after the wait for a pod.
    RunObjects reported = new RunObjects(null);
    assertThat(failures(pass(reported, job, List.of(), NOW))).isEmpty();
    assertThatItFailsAsAPlatformError(
        pass(reported, job, List.of(), NOW.plus(Observations.POD_LAG_GRACE)));
  }

  private static void assertThatItFailsAsAPlatformError(List<FlowEvent> events) {
    assertThat(failures(events))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.kind()).isEqualTo(FailureKind.PLATFORM);
          assertThat(f.message()).startsWith("the Job failed: BackoffLimitExceeded");
        });
  }

  @Test
  void aPodKilledBecauseItWasDisruptedFailsAsAPlatformErrorWhateverItsExitCode() {
    Job job = failedJob("BackoffLimitExceeded");
    Pod evicted = ObservationFixtures.evictedThroughTheApi(pod(job, "Failed", null));

    assertThat(failures(Observations.of(List.of(job), List.of(evicted), NOW)))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.kind()).isEqualTo(FailureKind.PLATFORM);
          assertThat(f.exitCode()).isNull();
          assertThat(f.message())
              .isEqualTo("pod disrupted: EvictionByEvictionAPI: Eviction API: evicting");
        });
  }

  @Test
  void aPodKilledByASignalWhileBeingDeletedFailsAsAPlatformErrorAndItsOwnExitStaysAUserError() {
    // Without the deletion's grace period or the container's end time to compare: only a
    // signal's exit code counts as the deletion's.
    Job job = failedJob("BackoffLimitExceeded");
    Pod deleted = pod(job, "Failed", null);
    deleted.getMetadata().setDeletionTimestamp("2026-01-01T00:00:30Z");
    var state = deleted.getStatus().getContainerStatuses().getFirst().getState().getTerminated();
    state.setExitCode(143);

    assertThat(failures(Observations.of(List.of(job), List.of(deleted), NOW)))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.kind()).isEqualTo(FailureKind.PLATFORM);
          assertThat(f.message()).isEqualTo("pod deleted while it ran (exit code 143)");
        });

    state.setExitCode(2);
    assertThat(kindOf(job, deleted)).isEqualTo(FailureKind.USER);
    // A signal's exit code without a deletion: the step's own doing.
    state.setExitCode(143);
    deleted.getMetadata().setDeletionTimestamp(null);
    assertThat(kindOf(job, deleted)).isEqualTo(FailureKind.USER);
  }

  @Test
  void aContainerThatEndsOnceItsPodsDeletionIsAskedFailsAsAPlatformErrorWhateverItsExitCode() {
    Job job = failedJob("BackoffLimitExceeded");
    Pod pod = deletedByHand(job);
    var state = pod.getStatus().getContainerStatuses().getFirst().getState().getTerminated();

    // A step that traps SIGTERM and exits 1, two seconds after the delete: the deletion's doing.
    assertThat(failures(Observations.of(List.of(job), List.of(pod), NOW)))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.kind()).isEqualTo(FailureKind.PLATFORM);
          assertThat(f.exitCode()).isNull();
          assertThat(f.message()).isEqualTo("pod deleted while it ran (exit code 1)");
        });
    // In the very second of the delete: counted as the deletion's.
    state.setFinishedAt("2026-01-01T00:10:00Z");
    assertThat(kindOf(job, pod)).isEqualTo(FailureKind.PLATFORM);

    // Ended a second before the delete was asked (a failed pod garbage-collected with its Job):
    // its own exit, a user error, even a signal's.
    state.setFinishedAt("2026-01-01T00:09:59Z");
    assertThat(kindOf(job, pod)).isEqualTo(FailureKind.USER);
    state.setExitCode(137);
    assertThat(kindOf(job, pod)).isEqualTo(FailureKind.USER);

    // A deletion with no grace period: asked at its timestamp.
    pod.getMetadata().setDeletionTimestamp("2026-01-01T00:10:00Z");
    pod.getMetadata().setDeletionGracePeriodSeconds(0L);
    state.setExitCode(1);
    state.setFinishedAt("2026-01-01T00:10:01Z");
    assertThat(kindOf(job, pod)).isEqualTo(FailureKind.PLATFORM);
  }

  @Test
  void theInformersCacheKeepsWhatTellsAnExitTheDeletionCaused() {
    Job job = failedJob("BackoffLimitExceeded");
    Pod pod = deletedByHand(job);
    assertThat(kindOf(CachedObjects.job(job), CachedObjects.pod(pod)))
        .isEqualTo(FailureKind.PLATFORM);
  }

  /**
   * {@code job}'s pod, failed: `kubectl delete pod` at 00:10:00 with the default grace period of 30
   * s, and its container, which traps SIGTERM, exited 1 at 00:10:02.
   */
  private static Pod deletedByHand(Job job) {
    Pod pod = pod(job, "Failed", null);
    pod.getMetadata().setDeletionTimestamp("2026-01-01T00:10:30Z");
    pod.getMetadata().setDeletionGracePeriodSeconds(30L);
    var state = pod.getStatus().getContainerStatuses().getFirst().getState().getTerminated();
    state.setExitCode(1);
    state.setFinishedAt("2026-01-01T00:10:02Z");
    return pod;
  }

  private static FailureKind kindOf(Job job, Pod pod) {
    return failures(Observations.of(List.of(job), List.of(pod), NOW)).getFirst().kind();
  }

  /**
   * The Job as the Job controller shows it for a second or so after its pod ended: still active.
   */
  private static Job stillActiveJob() {
    Job job = completeJob();
    job.setStatus(new JobStatusBuilder().withActive(1).build());
    return job;
  }

  @Test
  void aFinishedRunsJobWhosePodEndedIsNotReapedThoughTheJobStillCountsItActive() {
    Job job = stillActiveJob();

    assertThat(Observations.activeJobs(List.of(job), List.of(pod(job, "Succeeded", "{}"))))
        .isEmpty();
  }

  @Test
  void aFinishedRunsJobWhosePodStillRunsIsReaped() {
    Job job = stillActiveJob();

    assertThat(Observations.activeJobs(List.of(job), List.of(pod(job, "Running", null))))
        .containsExactly(job);
    assertThat(Observations.activeJobs(List.of(job), List.of())).containsExactly(job);
  }

  /**
   * {@code job} with its finished condition's lastTransitionTime at {@code at}, at a
   * resourceVersion: a pass that finds it at the same version again takes it for unchanged.
   */
  private static Job endedAt(Job job, Instant at) {
    job.getStatus().getConditions().getFirst().setLastTransitionTime(at.toString());
    job.getMetadata().setResourceVersion("7");
    return job;
  }

  private static List<FlowEvent> pass(RunObjects reported, Job job, List<Pod> pods, Instant at) {
    return Observations.changes(List.of(job), pods, at, StuckPods.NoPodReasons.NONE, reported);
  }

  @Test
  void aFailedJobWithNoPodSeenYetWaitsForThePodWhichTellsAUserError() {
    assertItWaitsForThePodWhichTellsAUserError(NOW.minusSeconds(1));
  }

  /**
   * A Job that failed at {@code endedAt}, first seen with no pod at NOW: no verdict, a recheck once
   * the wait is over (it counts from when the operator first saw it finished, not earlier), and the
   * pod that comes meanwhile tells the step's own exit.
   */
  private static void assertItWaitsForThePodWhichTellsAUserError(Instant endedAt) {
    Job job = endedAt(failedJob("BackoffLimitExceeded"), endedAt);
    RunObjects reported = new RunObjects(null);

    assertThat(failures(pass(reported, job, List.of(), NOW))).isEmpty();
    assertThat(
            Observations.podWaitRecheck(reported.observe(null, List.of(job), List.of(), NOW), NOW))
        .contains(Duration.ofSeconds(10).plusMillis(100));
    assertThat(
            failures(pass(reported, job, List.of(pod(job, "Failed", "bad")), NOW.plusSeconds(3))))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.kind()).isEqualTo(FailureKind.USER);
          assertThat(f.exitCode()).isEqualTo(2);
        });
  }

  @Test
  void aFailedJobWhosePodNeverComesFailsFromTheJobOnceTheWaitIsOverAndOnce() {
    Job job = endedAt(failedJob("BackoffLimitExceeded"), NOW.minusSeconds(1));
    RunObjects reported = new RunObjects(null);

    assertThat(failures(pass(reported, job, List.of(), NOW))).isEmpty();
    assertThat(failures(pass(reported, job, List.of(), NOW.plusSeconds(9)))).isEmpty();
    // Nothing changed since: the wait's end alone tells the Job's verdict.
    assertThatItFailsAsAPlatformError(pass(reported, job, List.of(), NOW.plusSeconds(10)));
    assertThat(failures(pass(reported, job, List.of(), NOW.plusSeconds(12)))).isEmpty();
    assertThat(
            Observations.podWaitRecheck(
                reported.observe(null, List.of(job), List.of(), NOW.plusSeconds(13)),
                NOW.plusSeconds(13)))
        .isEmpty();
  }

  /**
   * An operator cut off from the API server (or restarted) hears of a Job that failed long ago
   * before its Pod watch has caught up: the pod that comes then still tells the step's own exit.
   */
  @Test
  void aJobThatFailedLongBeforeTheOperatorSawItStillWaitsForItsPod() {
    assertItWaitsForThePodWhichTellsAUserError(NOW.minusSeconds(3600));

    Job job = endedAt(failedJob("BackoffLimitExceeded"), NOW.minusSeconds(3600));
    // With no pod left at all, the Job's verdict once the wait is over.
    RunObjects reported = new RunObjects(null);
    assertThat(failures(pass(reported, job, List.of(), NOW))).isEmpty();
    assertThatItFailsAsAPlatformError(
        pass(reported, job, List.of(), NOW.plus(Observations.POD_LAG_GRACE)));
  }

  /** A later version of the finished Job (a label, a finalizer) does not start the wait again. */
  @Test
  void theWaitForAPodCountsFromTheFirstSightOfTheJobFinishedThroughItsLaterVersions() {
    Job job = endedAt(failedJob("BackoffLimitExceeded"), NOW.minusSeconds(3600));
    RunObjects reported = new RunObjects(null);

    assertThat(failures(pass(reported, job, List.of(), NOW))).isEmpty();
    job.getMetadata().setResourceVersion("8");
    assertThat(failures(pass(reported, job, List.of(), NOW.plusSeconds(5)))).isEmpty();
    assertThatItFailsAsAPlatformError(
        pass(reported, job, List.of(), NOW.plus(Observations.POD_LAG_GRACE)));
  }

  @Test
  void aCompleteJobWithNoPodSeenYetWaitsForThePodAndItsOutputs() {
    Job job = endedAt(completeJob(), NOW.minusSeconds(1));
    RunObjects reported = new RunObjects(null);

    assertThat(successes(pass(reported, job, List.of(), NOW))).isEmpty();
    assertThat(
            successes(
                pass(
                    reported,
                    job,
                    List.of(pod(job, "Succeeded", "{\"ready\": true}")),
                    NOW.plusSeconds(1))))
        .singleElement()
        .satisfies(s -> assertThat(s.terminationMessage()).isEqualTo("{\"ready\": true}"));
  }
}
