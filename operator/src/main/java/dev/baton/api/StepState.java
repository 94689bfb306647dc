package dev.baton.api;

/** Where a step is. The last six are final. */
public enum StepState {
  /** Waiting for its dependencies. */
  Waiting,
  /** Its Job is being created. */
  Launching,
  /** Its Job exists; the pod may still be pending. */
  Running,
  /** An attempt failed; the next one starts after the backoff. */
  Retrying,
  Succeeded,
  /** Failed under IGNORE_FAILURE: dependents run as if it had succeeded. */
  CompletedWithError,
  /** Its condition was false. Counts as done for its dependents. */
  Skipped,
  /** Its last attempt failed and no retries are left. */
  Failed,
  /** Its last attempt ran past the step timeout and no retries are left. */
  TimedOut,
  /** Ended by a stop, a workflow timeout or another step's FAIL_IMMEDIATELY, or never started. */
  Stopped;

  public boolean isFinal() {
    return switch (this) {
      case Waiting, Launching, Running, Retrying -> false;
      case Succeeded, CompletedWithError, Skipped, Failed, TimedOut, Stopped -> true;
    };
  }

  /** Final, and its dependents may start. */
  public boolean satisfiesDependents() {
    return this == Succeeded || this == CompletedWithError || this == Skipped;
  }
}
