package dev.baton.api;

/** What a step's final failure (retries used up) does to the rest of the run, as in Maestro. */
public enum FailureMode {
  /** Stop everything: running Jobs are deleted and the instance fails at once. */
  FAIL_IMMEDIATELY,
  /** The default: start nothing new, let running steps finish, then fail the instance. */
  FAIL_AFTER_RUNNING,
  /** The step ends CompletedWithError and its dependents run as if it had succeeded. */
  IGNORE_FAILURE
}
