package dev.baton.runtime;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * By instance ("namespace/name"), the names of its Jobs and Pods that the informers saw added,
 * updated or deleted since its last reconcile took them. The informers record here before they wake
 * the reconciler, so a reconcile that takes them finds every change made before it was woken; a
 * change recorded while it runs wakes it again. {@link RunObjects} reads only these objects,
 * instead of all of an instance's Jobs and Pods, on each reconcile. It also keeps when the first of
 * those changes that woke the instance was recorded, so that the wait between an event and the
 * reconcile that reads it can be measured. Thread-safe.
 */
public final class ChangedObjects {
  /**
   * The names taken for one reconcile; {@code wokenAt}, the {@link System#nanoTime} at which the
   * first change among them that woke the instance was recorded, or {@link #NOT_WOKEN} when none
   * did (a Job status update Baton does not read, say, which the informer records but does not wake
   * it for).
   */
  public record Names(Set<String> jobs, Set<String> pods, long wokenAt) {
    public static final long NOT_WOKEN = Long.MIN_VALUE;
    public static final Names NONE = new Names(Set.of(), Set.of());

    /** Names no change among which woke the instance. */
    public Names(Set<String> jobs, Set<String> pods) {
      this(jobs, pods, NOT_WOKEN);
    }

    /** Whether a change among these woke the instance (then {@link #wokenAt} says when). */
    public boolean woke() {
      return wokenAt != NOT_WOKEN;
    }

    public boolean isEmpty() {
      return jobs.isEmpty() && pods.isEmpty();
    }
  }

  private final ConcurrentHashMap<String, Names> byInstance = new ConcurrentHashMap<>();

  /** Records a change of Job {@code name}; {@code wakes} when it wakes the instance. */
  public void job(String instance, String name, boolean wakes) {
    record(instance, name, true, wakes);
  }

  /** Records a change of Pod {@code name}; {@code wakes} when it wakes the instance. */
  public void pod(String instance, String name, boolean wakes) {
    record(instance, name, false, wakes);
  }

  private void record(String instance, String name, boolean job, boolean wakes) {
    if (instance == null || name == null) return;
    long now = wakes ? System.nanoTime() : Names.NOT_WOKEN;
    // Added under the map's lock for this instance, which take also holds: none is lost between.
    byInstance.compute(
        instance,
        (k, names) -> {
          Names n = names != null ? names : new Names(new HashSet<>(), new HashSet<>());
          (job ? n.jobs() : n.pods()).add(name);
          return wakes && !n.woke() ? new Names(n.jobs(), n.pods(), now) : n;
        });
  }

  /** The names recorded for {@code instance} since the last take, now forgotten here. */
  public Names take(String instance) {
    Names n = byInstance.remove(instance);
    return n == null ? Names.NONE : n;
  }

  /** How many instances have changes waiting. */
  public int size() {
    return byInstance.size();
  }
}
