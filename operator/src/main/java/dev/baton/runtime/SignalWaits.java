package dev.baton.runtime;

import dev.baton.api.Signal;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Scope;
import dev.baton.flow.Command;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceKey;
import dev.baton.flow.StepPath;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signal steps waiting now, indexed by namespace and signal name, and the Signals that release
 * them. A wait is released by the first matching Signal: one the Signal informer holds when the
 * wait begins (the oldest, by creation time then name), else the next one added. Each wait is
 * released once: it leaves the index as it is delivered, so a Signal added while the cache is being
 * read is not delivered twice (and the engine ignores a second report anyway).
 *
 * <p>Nothing is polled: the informer's adds ({@link #added}) and the engine's waits ({@link
 * #await}) are the only triggers. Signals are immutable, so updates and deletes change nothing.
 */
public final class SignalWaits {
  private static final Logger LOG = LoggerFactory.getLogger(SignalWaits.class);

  /** The Signals the informer holds with a given spec.name in a namespace. */
  public interface Lookup {
    List<Signal> named(String namespace, String signalName);
  }

  /** One attempt's wait; equal only to itself (its scope may be large to hash). */
  private static final class Wait {
    private final FlowActor actor;
    private final Command.AwaitSignal command;

    Wait(FlowActor actor, Command.AwaitSignal command) {
      this.actor = actor;
      this.command = command;
    }

    FlowActor actor() {
      return actor;
    }

    Command.AwaitSignal command() {
      return command;
    }

    String key() {
      return actor.key().namespace() + "/" + command.matcher().name();
    }
  }

  /** Oldest first: creation time, then name. */
  private static final Comparator<Signal> OLDEST =
      Comparator.comparing((Signal s) -> timestamp(s.getMetadata()))
          .thenComparing(s -> s.getMetadata().getName());

  private final Map<String, Set<Wait>> byName = new ConcurrentHashMap<>();
  private final Map<InstanceKey, Map<StepPath, Wait>> byInstance = new ConcurrentHashMap<>();
  private volatile Lookup lookup = (ns, name) -> List.of();

  /** Where the informer's Signals are read; set when the informer is made. */
  public void attach(Lookup lookup) {
    this.lookup = lookup;
  }

  /** Starts a wait, and releases it at once if a matching Signal exists already. */
  void await(FlowActor actor, Command.AwaitSignal c) {
    Wait w = new Wait(actor, c);
    Wait old =
        byInstance.computeIfAbsent(actor.key(), k -> new ConcurrentHashMap<>()).put(c.path(), w);
    if (old != null) remove(old);
    byName.computeIfAbsent(w.key(), k -> ConcurrentHashMap.newKeySet()).add(w);
    // Registered first, then the cache is read: a Signal added meanwhile is seen by one or both.
    List<Signal> existing = lookup.named(actor.key().namespace(), c.matcher().name());
    existing.stream().filter(s -> matches(w, s)).min(OLDEST).ifPresent(s -> deliver(w, s));
  }

  /** The attempt no longer waits. */
  void cancel(InstanceKey key, StepPath path, int attempt) {
    Map<StepPath, Wait> waits = byInstance.get(key);
    if (waits == null) return;
    Wait w = waits.get(path);
    if (w != null && w.command().attempt() == attempt && waits.remove(path, w)) remove(w);
  }

  /** The instance's run is over or gone: its waits go too. */
  void forget(InstanceKey key) {
    Map<StepPath, Wait> waits = byInstance.remove(key);
    if (waits != null) waits.values().forEach(this::remove);
  }

  /** A Signal was added (or listed when the informer started): releases the waits it matches. */
  public void added(Signal signal) {
    if (signal.getSpec() == null || signal.getSpec().name == null) return;
    Set<Wait> waits = byName.get(signal.getMetadata().getNamespace() + "/" + signal.getSpec().name);
    if (waits == null || waits.isEmpty()) return;
    for (Wait w : List.copyOf(waits)) {
      if (matches(w, signal)) deliver(w, signal);
    }
  }

  /** Steps waiting now, for tests and metrics. */
  public int waiting() {
    return byName.values().stream().mapToInt(Set::size).sum();
  }

  private static boolean matches(Wait w, Signal s) {
    if (s.getSpec() == null) return false;
    Scope frozen = w.command().scope();
    // A fresh scope per match: each counts what it renders on its own.
    Scope scope = new Scope(frozen.params(), frozen.steps(), frozen.loop(), frozen.last());
    try {
      return w.command().matcher().matches(s.getSpec().name, s.getSpec().params, scope);
    } catch (ExpressionException | IllegalArgumentException e) {
      // A signal the condition cannot be evaluated on (a param it lacks, of another type) does not
      // match; the step waits on.
      LOG.debug(
          "{}: signal {} not taken for step {}: {}",
          w.actor().key(),
          s.getMetadata().getName(),
          w.command().path(),
          e.getMessage());
      return false;
    }
  }

  private void deliver(Wait w, Signal s) {
    Map<StepPath, Wait> mine = byInstance.get(w.actor().key());
    if (mine != null) mine.remove(w.command().path(), w);
    if (!remove(w)) return;
    LOG.info(
        "{}: signal {} releases step {} attempt {}",
        w.actor().key(),
        s.getMetadata().getName(),
        w.command().path(),
        w.command().attempt());
    w.actor()
        .tell(
            new FlowEvent.SignalArrived(
                w.command().path(),
                w.command().attempt(),
                s.getMetadata().getName(),
                s.getMetadata().getUid(),
                s.getSpec().params == null ? Map.of() : s.getSpec().params,
                w.actor().clock().instant()));
  }

  /** Takes a wait out of the name index; false if it was not there (delivered already). */
  private boolean remove(Wait w) {
    // An emptied set stays: removing it could lose a wait added to it at the same moment.
    Set<Wait> set = byName.get(w.key());
    return set != null && set.remove(w);
  }

  private static String timestamp(ObjectMeta m) {
    return m == null || m.getCreationTimestamp() == null ? "" : m.getCreationTimestamp();
  }
}
