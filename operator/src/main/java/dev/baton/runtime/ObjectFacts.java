package dev.baton.runtime;

import dev.baton.api.Workflow;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;

/**
 * What Baton reads of one of a run's Jobs or Pods at one resourceVersion, read once: an object
 * whose resourceVersion has not changed has not changed, so {@link RunObjects} keeps these by uid
 * and reads an object again only when it has a new version.
 *
 * @param ref the step attempt it belongs to, or null when its labels name none
 * @param key the attempt as "path#attempt" ({@link Observations.StepRef#key}), or null
 * @param controllerUid the uid of its controller owner reference when that is of the kind Baton's
 *     own objects have (a WorkflowInstance for a Job, a Job for a Pod); null when there is none
 * @param ended a Job: it has a true Complete or Failed condition; a Pod: its phase is terminal
 * @param active a Job whose pod still runs as the Job controller counts it ({@link
 *     Observations#isActive}); false for a Pod
 * @param created a Job's creation time, null when it has none or for a Pod
 * @param endedAt a finished Job: when its true Complete or Failed condition became true, or, if
 *     later, when this operator first saw it finished ({@link #seenEndedAt}); null when the Job has
 *     not finished, or for a Pod
 */
record ObjectFacts(
    Observations.StepRef ref,
    String key,
    String controllerUid,
    boolean ended,
    boolean active,
    Instant created,
    Instant endedAt) {

  static ObjectFacts of(Job job) {
    Observations.StepRef ref = Observations.StepRef.of(job.getMetadata()).orElse(null);
    return new ObjectFacts(
        ref,
        ref == null ? null : ref.key(),
        controllerUid(job, Workflow.GROUP, "WorkflowInstance"),
        Observations.finished(job),
        Observations.isActive(job),
        StuckPods.instant(job.getMetadata().getCreationTimestamp()),
        Observations.endedAt(job));
  }

  /**
   * These facts with the Job's end taken as no earlier than {@code seen}, when this operator first
   * saw it finished. The Job's condition may say it finished long before the operator heard of it
   * (a watch that resumed after an outage), while the Pod watch has still to catch up: the wait for
   * the pod ({@link Observations#POD_LAG_GRACE}) counts from the later of the two.
   */
  ObjectFacts seenEndedAt(Instant seen) {
    if (!ended || seen == null || (endedAt != null && !endedAt.isBefore(seen))) return this;
    return new ObjectFacts(ref, key, controllerUid, ended, active, created, seen);
  }

  static ObjectFacts of(Pod pod) {
    Observations.StepRef ref = Observations.StepRef.of(pod.getMetadata()).orElse(null);
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return new ObjectFacts(
        ref,
        ref == null ? null : ref.key(),
        controllerUid(pod, "batch", "Job"),
        "Succeeded".equals(phase) || "Failed".equals(phase),
        false,
        null,
        null);
  }

  /** Whether it has no controller of the kind Baton's own objects have ({@link Ownership}). */
  boolean unowned() {
    return controllerUid == null;
  }

  private static String controllerUid(HasMetadata object, String group, String kind) {
    // A controller with no uid is still a controller ("" owns nothing, yet is not unowned).
    return Ownership.controller(object, group, kind)
        .map(r -> r.getUid() == null ? "" : r.getUid())
        .orElse(null);
  }
}
