package dev.baton.api;

/** Where a run is. The last four are final. */
public enum InstancePhase {
  Pending,
  Running,
  Succeeded,
  Failed,
  TimedOut,
  Stopped;

  public boolean isFinal() {
    return switch (this) {
      case Pending, Running -> false;
      case Succeeded, Failed, TimedOut, Stopped -> true;
    };
  }
}
