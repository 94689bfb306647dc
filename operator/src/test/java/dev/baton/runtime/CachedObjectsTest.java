package dev.baton.runtime;

import static dev.baton.runtime.ObservationFixtures.job;
import static dev.baton.runtime.ObservationFixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.Json;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pruned Job or Pod says to Baton all that the whole one says, and is much smaller. */
class CachedObjectsTest {
  private static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");

  private static List<Job> pruneJobs(List<Job> jobs) {
    return jobs.stream().map(CachedObjects::job).toList();
  }

  private static List<Pod> prunePods(List<Pod> pods) {
    return pods.stream().map(CachedObjects::pod).toList();
  }

  private static void sameObservations(List<Job> jobs, List<Pod> pods) {
    String uid = ObservationFixtures.INSTANCE_UID;
    List<Job> full = Ownership.owned(uid, jobs);
    List<Job> pruned = Ownership.owned(uid, pruneJobs(jobs));
    assertThat(pruned).hasSameSizeAs(full).hasSameSizeAs(jobs);
    List<Pod> fullPods = Ownership.podsOf(full, pods);
    List<Pod> prunedPods = Ownership.podsOf(pruned, prunePods(pods));
    assertThat(prunedPods).hasSameSizeAs(fullPods).hasSameSizeAs(pods);
    assertThat(Observations.of(pruned, prunedPods, NOW))
        .isEqualTo(Observations.of(full, fullPods, NOW));
    assertThat(
            Observations.activeJobs(pruned, prunedPods).stream()
                .map(j -> j.getMetadata().getName()))
        .containsExactlyElementsOf(
            Observations.activeJobs(full, fullPods).stream()
                .map(j -> j.getMetadata().getName())
                .toList());
    assertThat(
            StuckPods.noPodRecheck(
                new RunObjects(null).observe(null, pruned, prunedPods, NOW), NOW))
        .isEqualTo(
            StuckPods.noPodRecheck(new RunObjects(null).observe(null, full, fullPods, NOW), NOW));
    for (int i = 0; i < jobs.size(); i++) {
      Job p = pruned.get(i);
      Job f = full.get(i);
      assertThat(Ownership.unowned(p)).isEqualTo(Ownership.unowned(f));
      assertThat(p.getKind()).isEqualTo(f.getKind());
      assertThat(p.getMetadata().getResourceVersion())
          .isEqualTo(f.getMetadata().getResourceVersion());
      assertThat(p.getSpec().getTemplate().getMetadata().getLabels())
          .isEqualTo(f.getSpec().getTemplate().getMetadata().getLabels());
      assertThat(p.getSpec().getTemplate().getMetadata().getAnnotations())
          .isEqualTo(f.getSpec().getTemplate().getMetadata().getAnnotations());
    }
  }

  @Test
  void everyStateOfAStepSaysTheSameWhenPruned() {
    List<Job> jobs = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    String[] phases = {"Pending", "Running", "Succeeded", "Failed"};
    for (int i = 0; i < phases.length; i++) {
      Job j =
          switch (phases[i]) {
            case "Succeeded" -> job(i, 1, "10" + i, "Complete");
            case "Failed" -> job(i, 1, "10" + i, "Failed");
            default -> job(i, 1, "10" + i);
          };
      jobs.add(j);
      pods.add(pod(j, "20" + i, phases[i]));
    }
    // A Job whose pod is not cached yet, one that failed with no pod, one being deleted.
    jobs.add(job(10, 1, "110"));
    jobs.add(job(11, 1, "111", "Failed"));
    Job deleting = job(12, 1, "112");
    deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:30:00Z");
    jobs.add(deleting);
    // An unschedulable pod: Pending with PodScheduled=False.
    Job unschedulable = job(13, 1, "113");
    Pod waiting = pod(unschedulable, "213", "Pending");
    waiting.getStatus().getContainerStatuses().clear();
    waiting
        .getStatus()
        .setConditions(
            List.of(
                new PodConditionBuilder()
                    .withType("PodScheduled")
                    .withStatus("False")
                    .withReason("Unschedulable")
                    .withMessage("0/3 nodes are available")
                    .withLastTransitionTime("2026-01-01T00:00:03Z")
                    .build()));
    jobs.add(unschedulable);
    pods.add(waiting);
    // A pod evicted through the API: marked DisruptionTarget, then its container killed.
    Job evicted = job(14, 1, "114");
    jobs.add(evicted);
    pods.add(ObservationFixtures.evictedThroughTheApi(pod(evicted, "214", "Failed")));
    sameObservations(jobs, pods);
  }

  @Test
  void theUpdateFiltersReadOnlyKeptFields() {
    // The informers compare a whole new object with the pruned old one.
    Job running = job(1, 1, "1");
    Job done = job(1, 1, "2", "Complete");
    assertThat(Observations.jobChangeMatters(running, CachedObjects.job(running))).isFalse();
    assertThat(Observations.jobChangeMatters(done, CachedObjects.job(running))).isTrue();
    Pod pending = pod(running, "3", "Pending");
    Pod started = pod(running, "4", "Running");
    assertThat(Observations.podChangeMatters(pending, CachedObjects.pod(pending))).isFalse();
    assertThat(Observations.podChangeMatters(started, CachedObjects.pod(pending))).isTrue();
  }

  @Test
  void theWholeObjectIsLeftAsItIs() {
    Job j = job(1, 1, "1", "Complete");
    Pod p = pod(j, "2", "Succeeded");
    String job = Json.MAPPER.valueToTree(j).toString();
    String pod = Json.MAPPER.valueToTree(p).toString();
    CachedObjects.job(j);
    CachedObjects.pod(p);
    assertThat(Json.MAPPER.valueToTree(j).toString()).isEqualTo(job);
    assertThat(Json.MAPPER.valueToTree(p).toString()).isEqualTo(pod);
  }

  @Test
  void prunedObjectsAreMuchSmaller() {
    Job j = job(1, 1, "1", "Complete");
    Pod p = pod(j, "2", "Succeeded");
    int full = Json.MAPPER.valueToTree(j).toString().length();
    int pruned = Json.MAPPER.valueToTree(CachedObjects.job(j)).toString().length();
    assertThat(pruned).isLessThan(full * 2 / 3);
    full = Json.MAPPER.valueToTree(p).toString().length();
    pruned = Json.MAPPER.valueToTree(CachedObjects.pod(p)).toString().length();
    assertThat(pruned).isLessThan(full / 2);
  }
}
