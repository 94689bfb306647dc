package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.InstancePhase;
import dev.baton.dag.Specs;
import dev.baton.flow.Command;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceFlow;
import dev.baton.flow.InstanceKey;
import dev.baton.flow.TimerKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TimersTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final InstanceKey KEY = new InstanceKey("default", "run-1");

  /**
   * A scheduler whose timer thread wins the race against the caller: a task due now runs to the
   * end, on another thread, before {@code schedule} returns, and what it throws is kept from the
   * caller as a real executor's future keeps it.
   */
  static final class EagerScheduler extends ScheduledThreadPoolExecutor {
    EagerScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
      if (delay > 0) return super.schedule(task, delay, unit);
      CompletableFuture.runAsync(task).exceptionally(e -> null).join();
      return super.schedule(() -> {}, 0, unit);
    }
  }

  /** A run whose only step sleeps: its end needs the SLEEP timer to be delivered. */
  static FlowActor sleepingRun(AtomicReference<TimerKey> sleepTimer, Clock clock) {
    InstanceFlow flow =
        new InstanceFlow(
            "run-1",
            Specs.compile("steps:\n  - {id: nap, type: sleep, sleep: 10s}\n"),
            null,
            Map.<String, JsonNode>of());
    FlowEngine engine =
        new FlowEngine(
            Runnable::run,
            (actor, commands) -> {
              for (Command c : commands) {
                if (c instanceof Command.SetTimer t && t.key().kind() == TimerKey.Kind.SLEEP)
                  sleepTimer.set(t.key());
              }
            },
            clock);
    FlowActor actor = engine.getOrCreate(KEY, () -> flow);
    actor.tell(new FlowEvent.Start(T0));
    return actor;
  }

  @Test
  void aTimerAlreadyDueIsDeliveredEvenWhenItRunsBeforeScheduleReturns() {
    Clock late = Clock.fixed(T0.plusSeconds(60), ZoneOffset.UTC);
    AtomicReference<TimerKey> sleep = new AtomicReference<>();
    FlowActor actor = sleepingRun(sleep, late);
    assertThat(sleep.get()).as("the sleep step's timer").isNotNull();
    ScheduledExecutorService scheduler = new EagerScheduler();
    try (Timers timers = new Timers(late, scheduler)) {
      // Due 50 s ago, as a backoff or a sleep that ran out while the operator was down.
      timers.set(actor, sleep.get(), T0.plusSeconds(10));

      assertThat(actor.phase()).isEqualTo(InstancePhase.Succeeded);
    }
  }

  @Test
  void cancelledTimersNeverFire() throws Exception {
    AtomicReference<TimerKey> sleep = new AtomicReference<>();
    FlowActor actor = sleepingRun(sleep, Clock.fixed(T0, ZoneOffset.UTC));
    try (Timers timers =
        new Timers(Clock.systemUTC(), Executors.newSingleThreadScheduledExecutor())) {
      timers.set(actor, sleep.get(), Instant.now().plusMillis(100));
      timers.cancelAll(KEY);
      Thread.sleep(300);
      assertThat(actor.phase()).isEqualTo(InstancePhase.Running);
    }
  }
}
