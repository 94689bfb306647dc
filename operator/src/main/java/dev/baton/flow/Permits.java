package dev.baton.flow;

import dev.baton.api.StepState;
import dev.baton.api.StepType;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * The run's step permits: at most {@code limit} job, sleep and subworkflow steps are Launching or
 * Running at once, across all frames; the others wait for one, first come first served.
 */
final class Permits {
  /**
   * A step waiting for a permit; its params were rendered when it got ready (null: render anew).
   */
  record AwaitingPermit(Frame frame, int index, Map<String, String> stepParams) {}

  private final int limit;
  private final ArrayDeque<AwaitingPermit> waiting = new ArrayDeque<>();
  private int held;
  private int children;

  Permits(int limit) {
    this.limit = limit;
  }

  /** A step may launch now: a permit is free and no step waits before it. */
  boolean isFree() {
    return held < limit && waiting.isEmpty();
  }

  void await(AwaitingPermit step) {
    waiting.add(step);
  }

  /** The first waiting step, now that a permit is free; null when none is free or none waits. */
  AwaitingPermit next() {
    return held < limit ? waiting.poll() : null;
  }

  /** Takes or gives back the permit of a step whose state changes. */
  void moved(StepType type, StepState prev, StepState next) {
    boolean had = holds(type, prev);
    boolean has = holds(type, next);
    if (had == has) return;
    held += has ? 1 : -1;
    if (type == StepType.SUBWORKFLOW) children += has ? 1 : -1;
  }

  void clear() {
    waiting.clear();
  }

  int limit() {
    return limit;
  }

  /** Steps holding a permit now. */
  int held() {
    return held;
  }

  /** Subworkflow steps holding a permit now: child instances running. */
  int children() {
    return children;
  }

  private static boolean holds(StepType type, StepState s) {
    return (type == StepType.JOB || type == StepType.SLEEP || type == StepType.SUBWORKFLOW)
        && (s == StepState.Launching || s == StepState.Running);
  }
}
