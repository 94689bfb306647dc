package dev.baton.triggers;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Signals from piling up: a Signal is deleted once it is older than the TTL (by its
 * creationTimestamp), and a namespace keeps at most {@code maxPerNamespace} of them, the oldest
 * deleted first. Deleting a Signal deletes nothing else: the runs it started stay, their
 * spec.signals naming it.
 */
public final class SignalRetention {
  private static final Logger LOG = LoggerFactory.getLogger(SignalRetention.class);

  /** How often a namespace's count is looked at: it costs a pass over its Signals. */
  static final Duration COUNT_INTERVAL = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final Duration ttl;
  private final int maxPerNamespace;
  private final Clock clock;
  private final Map<String, Instant> counted = new ConcurrentHashMap<>();

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

  /** Deletes {@code signal} if it has outlived the TTL, and says whether it did. */
  public boolean deleteIfExpired(Signal signal) {
    var left = timeLeft(signal);
    if (left.isEmpty() || left.get().isPositive()) return false;
    delete(signal, "older than " + ttl);
    return true;
  }

  /**
   * At most every {@link #COUNT_INTERVAL} per namespace: deletes its oldest Signals beyond the
   * count.
   */
  public void enforceCount(String namespace, Supplier<List<Signal>> signals) {
    if (maxPerNamespace <= 0) return;
    Instant now = clock.instant();
    Instant last = counted.get(namespace);
    if (last != null && now.isBefore(last.plus(COUNT_INTERVAL))) return;
    counted.put(namespace, now);
    List<Signal> all = signals.get();
    if (all.size() <= maxPerNamespace) return;
    Comparator<Signal> arrival =
        Comparator.comparing(SignalTriggerRunner::view, SignalView.ARRIVAL);
    all.stream()
        .sorted(arrival)
        .limit(all.size() - maxPerNamespace)
        .forEach(s -> delete(s, "over " + maxPerNamespace + " in the namespace"));
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
