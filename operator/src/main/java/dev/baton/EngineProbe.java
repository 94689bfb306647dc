package dev.baton;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the workflow engine's executor still runs tasks. Each look sends it a no-op task unless
 * one is already waiting; the engine is reported stuck once a task has waited longer than {@code
 * stuckAfter} (all threads blocked, or the pool shut down). A long queue of short tasks drains in
 * well under that, so load alone does not trip it.
 */
final class EngineProbe {
  private final ExecutorService executor;
  private final Clock clock;
  private final Duration stuckAfter;

  /** When the waiting no-op was sent, in epoch millis; 0 when none waits. */
  private final AtomicLong sentAt = new AtomicLong();

  EngineProbe(ExecutorService executor, Clock clock, Duration stuckAfter) {
    this.executor = executor;
    this.clock = clock;
    this.stuckAfter = stuckAfter;
  }

  /** What is wrong with the engine, empty when nothing. */
  List<String> problems() {
    if (executor.isShutdown()) return List.of("the flow engine's executor is shut down");
    long now = clock.millis();
    long sent = sentAt.get();
    if (sent == 0) {
      if (sentAt.compareAndSet(0, now)) {
        try {
          executor.execute(() -> sentAt.set(0));
        } catch (RejectedExecutionException e) {
          return List.of("the flow engine's executor refuses tasks: " + e.getMessage());
        }
      }
      return List.of();
    }
    long waited = now - sent;
    return waited > stuckAfter.toMillis()
        ? List.of(
            "the flow engine has not run a task for "
                + waited / 1000
                + "s: its threads are blocked")
        : List.of();
  }
}
