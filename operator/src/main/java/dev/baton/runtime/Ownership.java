package dev.baton.runtime;

import dev.baton.api.Workflow;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which objects are Baton's: a Job is an instance's when its controller owner reference is that
 * WorkflowInstance (by UID), a Pod a Job's when its controller is that Job. Labels alone say
 * nothing: anyone who may create a Job in the namespace can set them.
 */
public final class Ownership {
  private Ownership() {}

  /**
   * The Jobs among {@code jobs} that belong to the instance with {@code uid}: those whose
   * controller owner reference is that WorkflowInstance, as {@link JobFactory} sets it. Labels
   * alone say nothing, anyone who may create a Job in the namespace can set them: a Job with no
   * such owner (made by hand, or forged to fake a step's result) is not one of the instance's. Nor
   * is one owned by another object of the same name: a child instance a restart deleted and made
   * again, or an instance deleted and created again, finds its predecessor's Jobs under its own
   * name until the garbage collector removes them, and they would pass for its own attempts.
   */
  public static List<Job> owned(String uid, Collection<Job> jobs) {
    List<Job> owned = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      if (ownedByInstance(job, uid)) owned.add(job);
    }
    return owned;
  }

  /**
   * The Pods among {@code pods} of the Jobs {@link #owned} kept: those whose controller owner
   * reference is one of those Jobs, as the Job controller sets it. A Pod with the labels of a step
   * and no such owner (created by hand, or by a Job Baton did not accept) says nothing about it.
   */
  public static List<Pod> podsOf(Collection<Job> jobs, Collection<Pod> pods) {
    Set<String> uids = new HashSet<>();
    for (Job job : jobs) uids.add(job.getMetadata().getUid());
    List<Pod> kept = new ArrayList<>(pods.size());
    for (Pod pod : pods) {
      if (ownedByJob(pod, uids)) kept.add(pod);
    }
    return kept;
  }

  /** The name of {@code pod}'s controller when that is a Job, else null. */
  public static String jobName(Pod pod) {
    return controller(pod, "batch", "Job").map(OwnerReference::getName).orElse(null);
  }

  /** Whether {@code job}'s controller is the WorkflowInstance with {@code uid}. */
  public static boolean ownedByInstance(Job job, String uid) {
    return controller(job, Workflow.GROUP, "WorkflowInstance")
        .map(r -> uid != null && uid.equals(r.getUid()))
        .orElse(false);
  }

  /** Whether {@code pod}'s controller is a Job with one of {@code jobUids}. */
  static boolean ownedByJob(Pod pod, Set<String> jobUids) {
    return controller(pod, "batch", "Job")
        .map(r -> r.getUid() != null && jobUids.contains(r.getUid()))
        .orElse(false);
  }

  /**
   * Whether {@code object} has no controller owner reference of the kind Baton's own objects have
   * (a WorkflowInstance for a Job or a child instance, a Job for a Pod): not made by Baton or by
   * the Job controller for it, but by hand. Such an object carrying an instance's labels is worth
   * telling the instance's owner about; one owned by a namesake is not (it is routine).
   */
  public static boolean unowned(HasMetadata object) {
    return object instanceof Pod
        ? controller(object, "batch", "Job").isEmpty()
        : controller(object, Workflow.GROUP, "WorkflowInstance").isEmpty();
  }

  /**
   * The controller owner reference of {@code object} when it is of the given API group and kind.
   * The version is left out: a reference written before a version change still names its owner.
   */
  public static Optional<OwnerReference> controller(HasMetadata object, String group, String kind) {
    List<OwnerReference> refs =
        object.getMetadata() == null ? null : object.getMetadata().getOwnerReferences();
    if (refs == null) return Optional.empty();
    for (OwnerReference r : refs) {
      if (!Boolean.TRUE.equals(r.getController())) continue;
      // At most one controller: when it is of another kind, there is no owner of this one.
      return kind.equals(r.getKind()) && group.equals(group(r.getApiVersion()))
          ? Optional.of(r)
          : Optional.empty();
    }
    return Optional.empty();
  }

  private static String group(String apiVersion) {
    if (apiVersion == null) return null;
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }
}
