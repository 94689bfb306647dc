package dev.baton.flow;

import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** The actors of the runs in progress, one per instance. */
public final class FlowEngine {
  private final Map<InstanceKey, FlowActor> actors = new ConcurrentHashMap<>();
  private final Executor executor;
  private final CommandSink sink;
  private final Clock clock;

  public FlowEngine(Executor executor, CommandSink sink, Clock clock) {
    this.executor = executor;
    this.sink = sink;
    this.clock = clock;
  }

  public FlowActor get(InstanceKey key) {
    return actors.get(key);
  }

  /** The instance's actor, made from {@code flow} if it has none yet. */
  public FlowActor getOrCreate(InstanceKey key, Supplier<InstanceFlow> flow) {
    return actors.computeIfAbsent(key, k -> new FlowActor(k, flow.get(), executor, sink, clock));
  }

  public void remove(InstanceKey key) {
    actors.remove(key);
  }

  public Collection<FlowActor> actors() {
    return actors.values();
  }

  public int size() {
    return actors.size();
  }

  public Clock clock() {
    return clock;
  }
}
