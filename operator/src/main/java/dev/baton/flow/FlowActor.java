package dev.baton.flow;

import dev.baton.api.InstancePhase;
import dev.baton.api.WorkflowInstanceStatus;
import java.time.Clock;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's mailbox. Messages are handled one at a time, in order, on a shared executor: no
 * locks in the state machine, and no thread per instance. An actor with an empty mailbox costs no
 * thread at all.
 */
public final class FlowActor {
  private static final Logger LOG = LoggerFactory.getLogger(FlowActor.class);

  /** Messages handled per turn before the actor yields its thread to other actors. */
  private static final int BATCH = 64;

  private sealed interface Message {}

  private record Event(FlowEvent event) implements Message {}

  /** Events handled in order, as one message: one reconcile's observations. */
  private record Events(List<FlowEvent> events) implements Message {}

  private record Snapshot(CompletableFuture<WorkflowInstanceStatus> result) implements Message {}

  private final InstanceKey key;
  private final InstanceFlow flow;
  private final Executor executor;
  private final CommandSink sink;
  private final Clock clock;
  private final Queue<Message> mailbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile InstancePhase phase;

  FlowActor(InstanceKey key, InstanceFlow flow, Executor executor, CommandSink sink, Clock clock) {
    this.key = key;
    this.flow = flow;
    this.executor = executor;
    this.sink = sink;
    this.clock = clock;
    this.phase = flow.phase();
  }

  public InstanceKey key() {
    return key;
  }

  /** The phase as of the last handled event; safe to read from any thread. */
  public InstancePhase phase() {
    return phase;
  }

  public void tell(FlowEvent event) {
    post(new Event(event));
  }

  /** Tells {@code events}, in order, as one message. */
  public void tellAll(List<FlowEvent> events) {
    if (events.isEmpty()) return;
    post(events.size() == 1 ? new Event(events.getFirst()) : new Events(List.copyOf(events)));
  }

  /** The status as it should be written, taken in turn with the events. */
  public CompletableFuture<WorkflowInstanceStatus> snapshot() {
    CompletableFuture<WorkflowInstanceStatus> result = new CompletableFuture<>();
    post(new Snapshot(result));
    return result;
  }

  public Clock clock() {
    return clock;
  }

  private void post(Message m) {
    mailbox.add(m);
    if (scheduled.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    try {
      for (int i = 0; i < BATCH; i++) {
        Message m = mailbox.poll();
        if (m == null) break;
        switch (m) {
          case Event e -> handle(e.event());
          case Events e -> {
            for (FlowEvent event : e.events()) handle(event);
          }
          case Snapshot s -> {
            try {
              s.result().complete(flow.snapshot());
            } catch (RuntimeException ex) {
              s.result().completeExceptionally(ex);
            }
          }
        }
      }
    } finally {
      scheduled.set(false);
      if (!mailbox.isEmpty() && scheduled.compareAndSet(false, true)) {
        executor.execute(this::drain);
      }
    }
  }

  private void handle(FlowEvent event) {
    List<Command> commands;
    try {
      commands = flow.handle(event);
    } catch (RuntimeException e) {
      LOG.error("{}: engine failed on {}", key, event, e);
      commands =
          flow.handle(
              new FlowEvent.InternalError(
                  e + " while handling " + event.getClass().getSimpleName(), clock.instant()));
    }
    phase = flow.phase();
    if (!commands.isEmpty()) {
      try {
        sink.execute(this, commands);
      } catch (RuntimeException e) {
        LOG.error("{}: runtime failed on {}", key, commands, e);
      }
    }
  }
}
