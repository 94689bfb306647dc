package dev.baton.runtime;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;

/**
 * One instance's Jobs and Pods as the informers hold them: all of them (those labelled as the
 * instance's, whoever owns them), one by name, and the names that changed since the last reconcile
 * ({@link ChangedObjects}).
 */
public interface InstanceObjects {
  /** Every Job labelled as the instance's: a walk of all of them. */
  List<Job> jobs();

  /** Every Pod labelled as the instance's: a walk of all of them. */
  List<Pod> pods();

  /** The Job of this name in the instance's namespace, or null when there is none. */
  Job job(String name);

  /** The Pod of this name in the instance's namespace, or null when there is none. */
  Pod pod(String name);

  /** The Pods whose controller is the Job of this name in the instance's namespace. */
  List<Pod> podsOf(String jobName);

  /**
   * The names of the Jobs and Pods added, updated or deleted since the last call (taken: a second
   * call returns only what changed in between); null when not recorded.
   */
  ChangedObjects.Names changed();

  /** Given lists, with no record of changes: every pass reads them whole. */
  static InstanceObjects of(List<Job> jobs, List<Pod> pods) {
    return new Lists(jobs, pods, () -> null);
  }

  /** Given lists, and what changed in them as {@code changed} says. */
  static InstanceObjects of(
      List<Job> jobs, List<Pod> pods, java.util.function.Supplier<ChangedObjects.Names> changed) {
    return new Lists(jobs, pods, changed);
  }

  /** Jobs and Pods in lists: a name is found by a walk of them. */
  class Lists implements InstanceObjects {
    private final List<Job> jobs;
    private final List<Pod> pods;
    private final java.util.function.Supplier<ChangedObjects.Names> changed;

    protected Lists(
        List<Job> jobs, List<Pod> pods, java.util.function.Supplier<ChangedObjects.Names> changed) {
      this.jobs = jobs;
      this.pods = pods;
      this.changed = changed;
    }

    @Override
    public List<Job> jobs() {
      return jobs;
    }

    @Override
    public List<Pod> pods() {
      return pods;
    }

    @Override
    public Job job(String name) {
      return jobs.stream()
          .filter(j -> name.equals(j.getMetadata().getName()))
          .findFirst()
          .orElse(null);
    }

    @Override
    public Pod pod(String name) {
      return pods.stream()
          .filter(p -> name.equals(p.getMetadata().getName()))
          .findFirst()
          .orElse(null);
    }

    @Override
    public List<Pod> podsOf(String jobName) {
      return pods.stream().filter(p -> jobName.equals(Ownership.jobName(p))).toList();
    }

    @Override
    public ChangedObjects.Names changed() {
      return changed.get();
    }
  }
}
