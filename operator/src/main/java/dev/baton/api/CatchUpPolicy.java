package dev.baton.api;

/** What a schedule does with the times it missed (the operator was down, it was suspended). */
public enum CatchUpPolicy {
  /** Missed times are skipped. */
  None,
  /** Of the missed times, only the most recent runs. */
  Latest,
  /** Every missed time runs, oldest first, at most maxCatchUp of them (the most recent). */
  All
}
