package dev.baton.api;

/** Where a restarted run picks up. */
public enum RestartFrom {
  /** Keep the steps (and loop iterations) that succeeded; run the rest again. */
  Incomplete,
  /** Run every step again. */
  Beginning,
  /** Run the named step and everything downstream of it again; keep the rest that succeeded. */
  Step
}
