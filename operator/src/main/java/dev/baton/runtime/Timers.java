package dev.baton.runtime;

import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
import dev.baton.flow.TimerKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * In-memory timers. They are not persisted: after a restart the engine sets them again from the
 * status (retryAt, start times, timeouts). Cancelled together when an instance is forgotten, so a
 * finished run's 10-day timeout does not linger.
 */
public final class Timers implements AutoCloseable {
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Map<InstanceKey, Set<ScheduledFuture<?>>> byInstance = new ConcurrentHashMap<>();

  public Timers(Clock clock) {
    this(clock, newScheduler());
  }

  /** For tests that need to decide when a timer's task runs relative to {@link #set}. */
  Timers(Clock clock, ScheduledExecutorService scheduler) {
    this.clock = clock;
    this.scheduler = scheduler;
  }

  private static ScheduledExecutorService newScheduler() {
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "baton-timers");
              t.setDaemon(true);
              return t;
            });
    scheduler.setRemoveOnCancelPolicy(true);
    return scheduler;
  }

  /**
   * Tells {@code actor} {@link FlowEvent.TimerFired} at {@code at}. The task may run before {@code
   * schedule} returns (a time already past, as after a restart, has no delay): it therefore
   * delivers first and only then drops its own bookkeeping, which it may find not yet recorded.
   */
  public void set(FlowActor actor, TimerKey key, Instant at) {
    long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    Set<ScheduledFuture<?>> set =
        byInstance.computeIfAbsent(actor.key(), k -> ConcurrentHashMap.newKeySet());
    AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
    ScheduledFuture<?> future =
        scheduler.schedule(
            () -> {
              actor.tell(new FlowEvent.TimerFired(key, clock.instant()));
              ScheduledFuture<?> me = self.get();
              if (me != null) set.remove(me);
            },
            delay,
            TimeUnit.MILLISECONDS);
    self.set(future);
    set.add(future);
    if (future.isDone()) set.remove(future);
  }

  public void cancelAll(InstanceKey key) {
    Set<ScheduledFuture<?>> set = byInstance.remove(key);
    if (set != null) set.forEach(f -> f.cancel(false));
  }

  /** Timers set and not yet fired or cancelled. */
  public int pending() {
    return byInstance.values().stream().mapToInt(Set::size).sum();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
