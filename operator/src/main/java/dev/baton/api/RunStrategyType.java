package dev.baton.api;

/** Maestro's run strategies; see {@link RunStrategy}. */
public enum RunStrategyType {
  Sequential,
  StrictSequential,
  FirstOnly,
  LastOnly,
  Parallel
}
