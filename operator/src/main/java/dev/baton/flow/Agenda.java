package dev.baton.flow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What one event set in motion and is still to be done, and the commands decided so far: steps
 * ready to start, loops to advance, frames that may have ended. Lives for one {@code handle}.
 */
final class Agenda {
  private final ArrayDeque<Occurrence> ready = new ArrayDeque<>();
  private final LinkedHashSet<LoopState> loops = new LinkedHashSet<>();
  private final LinkedHashSet<Frame> frames = new LinkedHashSet<>();
  private List<Command> out;
  private boolean statusChanged;

  void begin() {
    out = new ArrayList<>(4);
    statusChanged = false;
  }

  /** The commands of the event, with a status write when the status changed. */
  List<Command> end() {
    if (statusChanged) out.add(Command.WriteStatus.INSTANCE);
    List<Command> result = out;
    out = null;
    return result;
  }

  void command(Command c) {
    out.add(c);
  }

  /** The step's timeout timer for its current attempt, if it has a timeout (loop steps too). */
  void armStepTimeout(Frame f, int i) {
    if (f.step(i).timeout() != null) {
      TimerKey key = new TimerKey(TimerKey.Kind.STEP_TIMEOUT, f.path(i), f.attempt[i]);
      out.add(new Command.SetTimer(key, f.startTime[i].plus(f.step(i).timeout())));
    }
  }

  void statusChanged() {
    statusChanged = true;
  }

  /** A step whose dependencies are done; once only while it waits. */
  void ready(Frame f, int i) {
    if (f.queue(i)) ready.add(new Occurrence(f, i));
  }

  /**
   * A step ended in a way that lets its dependents go (Succeeded, Skipped, CompletedWithError):
   * those with no dependency left are ready.
   */
  void satisfied(Frame f, int i) {
    for (int k : f.step(i).dependents()) {
      if (--f.pendingDeps[k] == 0) ready(f, k);
    }
  }

  /** The next ready step, out of its queue; null when none. */
  Occurrence nextReady() {
    Occurrence o = ready.poll();
    if (o != null) dequeued(o.frame(), o.index());
    return o;
  }

  /** A step left a queue (ready or permit): its frame may have ended. */
  void dequeued(Frame f, int i) {
    f.unqueue(i);
    frames.add(f);
  }

  void advance(LoopState loop) {
    loops.add(loop);
  }

  LoopState nextLoop() {
    return loops.isEmpty() ? null : loops.removeFirst();
  }

  /** The frame may have ended: check it once nothing else is to do. */
  void check(Frame f) {
    frames.add(f);
  }

  Frame nextFrame() {
    return frames.isEmpty() ? null : frames.removeFirst();
  }

  /** The run ended: nothing more is to be done. */
  void clear() {
    ready.clear();
    loops.clear();
    frames.clear();
  }
}
