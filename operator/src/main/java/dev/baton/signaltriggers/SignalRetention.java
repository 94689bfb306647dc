package dev.baton.signaltriggers;

import dev.baton.api.Signal;
import dev.baton.signals.SignalView;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Signals from piling up: a Signal is deleted once it is older than the TTL (by its
 * creationTimestamp), and a namespace keeps at most {@code maxPerNamespace} of them, the oldest
 * deleted first. Deleting a Signal deletes nothing else: the runs it started stay, their
 * spec.signals naming it.
 */
public final class SignalRetention implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SignalRetention.class);

  /** How often a namespace's count is looked at: it costs a pass over its Signals. */
  static final Duration COUNT_INTERVAL = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final Duration ttl;
  private final int maxPerNamespace;
  private final Clock clock;
  private final Map<String, Instant> counted = new ConcurrentHashMap<>();
  private final Set<String> deferred = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "baton-signal-retention");
        t.setDaemon(true);
        return t;
      });

  /**
   * @param ttl null keeps Signals however old
   * @param maxPerNamespace 0 keeps any number
   */
  public SignalRetention(KubernetesClient client, Duration ttl, int maxPerNamespace, Clock clock) {
    this.client = client;
    this.ttl = ttl;
    this.maxPerNamespace = maxPerNamespace;
    this.clock = clock;
  }

  /** How long until {@code signal} outlives the TTL (zero or less: it has); empty without one. */
  public Optional<Duration> timeLeft(Signal signal) {
    if (ttl == null) return Optional.empty();
    Instant created = SignalTriggerRunner.view(signal).created();
    return Optional.of(Duration.between(clock.instant(), created.plus(ttl)));
  }

  /** Whether {@code signal} has outlived the TTL (never without one). */
  public boolean expired(Signal signal) {
    var left = timeLeft(signal);
    return left.isPresent() && !left.get().isPositive();
  }

  /** Deletes {@code signal} if it has outlived the TTL, and says whether it did. */
  public boolean deleteIfExpired(Signal signal) {
    if (!expired(signal)) return false;
    delete(signal, "older than " + ttl);
    return true;
  }

  /**
   * At most every {@link #COUNT_INTERVAL} per namespace: deletes its oldest Signals beyond the
   * count. A call within the interval of the last check defers the check to the interval's end
   * (once per namespace), so the signals of a burst are counted without a later signal.
   */
  public void enforceCount(String namespace, Supplier<List<Signal>> signals) {
    if (maxPerNamespace <= 0) return;
    Instant now = clock.instant();
    Instant last = counted.get(namespace);
    if (last != null && now.isBefore(last.plus(COUNT_INTERVAL))) {
      if (deferred.add(namespace)) {
        long delay = Duration.between(now, last.plus(COUNT_INTERVAL)).toMillis();
        scheduler.schedule(
            () -> {
              deferred.remove(namespace);
              try {
                enforceCount(namespace, signals);
              } catch (RuntimeException e) {
                LOG.warn("counting the signals of namespace {} failed", namespace, e);
              }
            },
            Math.max(0, delay),
            TimeUnit.MILLISECONDS);
      }
      return;
    }
    counted.put(namespace, now);
    overCount(signals.get(), maxPerNamespace)
        .forEach(s -> delete(s, "over " + maxPerNamespace + " in the namespace"));
  }

  /**
   * The Signals to delete so that at most {@code max} remain: the oldest in arrival order (creation
   * time, then name); none when {@code max} is 0 (no limit) or not exceeded.
   */
  public static List<Signal> overCount(List<Signal> all, int max) {
    if (max <= 0 || all.size() <= max) return List.of();
    Comparator<Signal> arrival =
        Comparator.comparing(SignalTriggerRunner::view, SignalView.ARRIVAL);
    return all.stream().sorted(arrival).limit(all.size() - max).toList();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  private void delete(Signal signal, String why) {
    try {
      client.resource(signal).delete();
      LOG.debug(
          "deleted signal {}/{}: {}",
          signal.getMetadata().getNamespace(),
          signal.getMetadata().getName(),
          why);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }
}
