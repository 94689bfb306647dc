package dev.baton.runs;

import dev.baton.api.InstancePhase;
import dev.baton.api.WorkflowInstance;
import dev.baton.flow.Restarts;
import java.util.Map;

/**
 * The runs whose final status this process wrote, by uid: the engine's ends, and the runs that
 * ended without starting (rejected, dropped or stopped while waiting). The informer cache can lag
 * behind that write. Meanwhile an event for the instance must not resume the run from the stale
 * status ({@link RunDriver}), and the runs queued behind it must count it as ended ({@link
 * RunAdmission}). A late record cannot end a run restarted meanwhile: that one has a later run
 * number.
 */
final class EndedRuns {
  /**
   * A final phase written for a run at a generation. A later generation or run in the cache may be
   * a restart: the restart is written on the generation of the end it follows, with the next run.
   */
  private record Ended(long generation, int run, InstancePhase phase) {}

  private final Map<String, Ended> byUid = Remembered.upTo(100_000);

  /** The run {@code instance} shows ended in {@code phase}, as of its generation. */
  void record(WorkflowInstance instance, InstancePhase phase) {
    byUid.put(
        instance.getMetadata().getUid(),
        new Ended(generation(instance), Restarts.run(instance.getStatus()), phase));
  }

  /** The run of that uid is under way again (restarted, admitted), or the instance is gone. */
  void forget(String uid) {
    byUid.remove(uid);
  }

  /**
   * The phase this process wrote as the end of the run that {@code cached} shows, whatever the
   * cache says; null when it wrote none. A newer generation than the end's is a later run.
   */
  InstancePhase phase(WorkflowInstance cached) {
    Ended end = byUid.get(cached.getMetadata().getUid());
    boolean same =
        end != null
            && generation(cached) <= end.generation()
            && Restarts.run(cached.getStatus()) <= end.run();
    return same ? end.phase() : null;
  }

  private static long generation(WorkflowInstance i) {
    Long g = i.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }
}
