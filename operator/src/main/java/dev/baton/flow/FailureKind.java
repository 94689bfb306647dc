package dev.baton.flow;

/** Why an attempt failed; each kind has its own retry budget. */
public enum FailureKind {
  /** The container exited non-zero, or wrote bad output. */
  USER,
  /** The platform lost the attempt: evicted, deleted, or the Job could not be created. */
  PLATFORM,
  /** The attempt ran past the step timeout. */
  TIMEOUT,
  /** Retrying cannot help: a condition or template failed to evaluate, or the Job is invalid. */
  FATAL
}
