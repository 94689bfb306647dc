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
    int signalMax) {

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
            env.getOrDefault("BATON_SIGNAL_MAX", Integer.toString(DEFAULT_SIGNAL_MAX))));
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
        signalMax);
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
        max);
  }
}
