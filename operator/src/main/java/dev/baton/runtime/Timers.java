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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * In-memory timers. They are not persisted: after a restart the engine sets them again from the
 * status (retryAt, start times, timeouts). Cancelled together when an instance is forgotten, so a
 * finished run's 10-day timeout does not linger.
 */
public final class Timers implements AutoCloseable {
  private final ScheduledThreadPoolExecutor scheduler;
  private final Clock clock;
  private final Map<InstanceKey, Set<ScheduledFuture<?>>> byInstance = new ConcurrentHashMap<>();

  public Timers(Clock clock) {
    this.clock = clock;
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "baton-timers");
              t.setDaemon(true);
              return t;
            });
    scheduler.setRemoveOnCancelPolicy(true);
  }

  public void set(FlowActor actor, TimerKey key, Instant at) {
    long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    Set<ScheduledFuture<?>> set = byInstance.computeIfAbsent(actor.key(), k -> ConcurrentHashMap.newKeySet());
    ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
    self[0] =
        scheduler.schedule(
            () -> {
              set.remove(self[0]);
              actor.tell(new FlowEvent.TimerFired(key, clock.instant()));
            },
            delay,
            TimeUnit.MILLISECONDS);
    set.add(self[0]);
  }

  public void cancelAll(InstanceKey key) {
    Set<ScheduledFuture<?>> set = byInstance.remove(key);
    if (set != null) set.forEach(f -> f.cancel(false));
  }

  public int pending() {
    return scheduler.getQueue().size();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
