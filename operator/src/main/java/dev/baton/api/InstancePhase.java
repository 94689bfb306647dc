package dev.baton.api;

/** Where a run is. The last four are final. */
public enum InstancePhase {
  Pending,
  /** Waiting for its turn under the Workflow's run strategy. */
  Queued,
  Running,
  Succeeded,
  Failed,
  TimedOut,
  Stopped;

  public boolean isFinal() {
    return switch (this) {
      case Pending, Queued, Running -> false;
      case Succeeded, Failed, TimedOut, Stopped -> true;
    };
  }
}
