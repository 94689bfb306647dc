package dev.baton.runtime;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * By instance ("namespace/name"), the names of its Jobs and Pods that the informers saw added,
 * updated or deleted since its last reconcile took them. The informers record here before they wake
 * the reconciler, so a reconcile that takes them finds every change made before it was woken; a
 * change recorded while it runs wakes it again. {@link RunObjects} reads only these objects,
 * instead of all of an instance's Jobs and Pods, on each reconcile. Thread-safe.
 */
public final class ChangedObjects {
  /** The names taken for one reconcile. */
  public record Names(Set<String> jobs, Set<String> pods) {
    public static final Names NONE = new Names(Set.of(), Set.of());

    public boolean isEmpty() {
      return jobs.isEmpty() && pods.isEmpty();
    }
  }

  private final ConcurrentHashMap<String, Names> byInstance = new ConcurrentHashMap<>();

  public void job(String instance, String name) {
    record(instance, name, true);
  }

  public void pod(String instance, String name) {
    record(instance, name, false);
  }

  private void record(String instance, String name, boolean job) {
    if (instance == null || name == null) return;
    // Added under the map's lock for this instance, which take also holds: none is lost between.
    byInstance.compute(
        instance,
        (k, names) -> {
          Names n = names != null ? names : new Names(new HashSet<>(), new HashSet<>());
          (job ? n.jobs() : n.pods()).add(name);
          return n;
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
