package dev.baton;

import dev.baton.api.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator's settings, from environment variables (the Helm chart sets them).
 *
 * @param namespaces the namespaces to watch; empty means all
 * @param jobTtl ttlSecondsAfterFinished for step Jobs; null keeps finished Jobs
 * @param httpPort serves /healthz, /readyz and /metrics; 0 picks a free port, -1 serves nothing
 * @param leaderElection take a Lease before reconciling (BATON_LEADER_ELECTION). The Helm chart
 *     always sets it, whatever the replicas, so that two operators never reconcile at once; off by
 *     default only for a process run by hand
 * @param leaseNamespace BATON_LEASE_NAMESPACE, else POD_NAMESPACE, else the kubeconfig's namespace
 * @param statusInterval the least time between two status writes of one instance (a run's end does
 *     not wait for it unless a write already waits). 1s by default, like the Job controller's own
 *     status batching: on the local cluster's benchmark it cut status writes per step by a third
 *     and raised throughput by a quarter over 100ms (README, Performance)
 * @param signalTtl BATON_SIGNAL_TTL: Signals older than this are deleted (default 7d; "none" keeps
 *     them)
 * @param signalMax BATON_SIGNAL_MAX: the most Signals a namespace keeps, the oldest deleted first
 *     (default 10000; 0 for no limit)
 * @param lease how long the Lease lasts and is renewed (BATON_LEASE_DURATION,
 *     BATON_LEASE_RENEW_DEADLINE, BATON_LEASE_RETRY_PERIOD)
 */
public record BatonConfig(
    Set<String> namespaces,
    Duration jobTtl,
    int httpPort,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    int reconcileThreads,
    int engineThreads,
    Duration statusInterval,
    Duration signalTtl,
    int signalMax,
    LeaseTiming lease) {

  /**
   * The leader election's timing, as Kubernetes' own controllers have it: a holder that has not
   * renewed the Lease within {@code renewDeadline} gives it up (and the operator exits); another
   * may take it once {@code leaseDuration} has passed since the last renewal; renewals are tried
   * every {@code retryPeriod}. Defaults 15s, 10s and 2s. On a CPU-starved API server a longer
   * deadline keeps a busy holder from losing the Lease, at the price of a slower takeover.
   */
  public record LeaseTiming(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public static final LeaseTiming DEFAULT =
        new LeaseTiming(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));

    public LeaseTiming {
      if (retryPeriod.isZero()
          || retryPeriod.isNegative()
          || retryPeriod.compareTo(renewDeadline) >= 0
          || renewDeadline.compareTo(leaseDuration) >= 0)
        throw new IllegalArgumentException(
            "leader election needs 0 < BATON_LEASE_RETRY_PERIOD ("
                + Durations.format(retryPeriod)
                + ") < BATON_LEASE_RENEW_DEADLINE ("
                + Durations.format(renewDeadline)
                + ") < BATON_LEASE_DURATION ("
                + Durations.format(leaseDuration)
                + ")");
    }

    static LeaseTiming fromEnv(Map<String, String> env) {
      return new LeaseTiming(
          duration(env, "BATON_LEASE_DURATION", DEFAULT.leaseDuration),
          duration(env, "BATON_LEASE_RENEW_DEADLINE", DEFAULT.renewDeadline),
          duration(env, "BATON_LEASE_RETRY_PERIOD", DEFAULT.retryPeriod));
    }

    private static Duration duration(Map<String, String> env, String name, Duration fallback) {
      String text = env.get(name);
      return text == null || text.isBlank() ? fallback : Durations.parse(text.strip());
    }
  }

  public static final Duration DEFAULT_JOB_TTL = Duration.ofHours(24);
  public static final Duration DEFAULT_SIGNAL_TTL = Duration.ofDays(7);
  public static final int DEFAULT_SIGNAL_MAX = 10_000;

  public static BatonConfig defaults() {
    return fromEnv(Map.of());
  }

  public static BatonConfig fromEnv(Map<String, String> env) {
    String ttl = env.getOrDefault("BATON_JOB_TTL", Durations.format(DEFAULT_JOB_TTL));
    return new BatonConfig(
        Arrays.stream(env.getOrDefault("BATON_NAMESPACES", "").split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet()),
        ttl.isBlank() || ttl.equals("none") ? null : Durations.parse(ttl),
        Integer.parseInt(env.getOrDefault("BATON_HTTP_PORT", "8080")),
        Boolean.parseBoolean(env.getOrDefault("BATON_LEADER_ELECTION", "false")),
        env.getOrDefault("BATON_LEASE_NAME", "baton-operator"),
        env.getOrDefault("BATON_LEASE_NAMESPACE", env.get("POD_NAMESPACE")),
        Integer.parseInt(env.getOrDefault("BATON_RECONCILE_THREADS", "20")),
        Integer.parseInt(
            env.getOrDefault(
                "BATON_ENGINE_THREADS",
                Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())))),
        Durations.parse(env.getOrDefault("BATON_STATUS_INTERVAL", "1s")),
        optionalDuration(
            env.getOrDefault("BATON_SIGNAL_TTL", Durations.format(DEFAULT_SIGNAL_TTL))),
        Integer.parseInt(
            env.getOrDefault("BATON_SIGNAL_MAX", Integer.toString(DEFAULT_SIGNAL_MAX))),
        LeaseTiming.fromEnv(env));
  }

  private static Duration optionalDuration(String text) {
    return text.isBlank() || text.equals("none") ? null : Durations.parse(text);
  }

  public BatonConfig withHttpPort(int port) {
    return new BatonConfig(
        namespaces,
        jobTtl,
        port,
        leaderElection,
        leaseName,
        leaseNamespace,
        reconcileThreads,
        engineThreads,
        statusInterval,
        signalTtl,
        signalMax,
        lease);
  }

  /** These settings with Signals kept for {@code ttl} (null: any age) and {@code max} (0: any). */
  public BatonConfig withSignalRetention(Duration ttl, int max) {
    return new BatonConfig(
        namespaces,
        jobTtl,
        httpPort,
        leaderElection,
        leaseName,
        leaseNamespace,
        reconcileThreads,
        engineThreads,
        statusInterval,
        ttl,
        max,
        lease);
  }
}
