package dev.baton.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/** Every metric Baton exports, named baton_* in Prometheus. */
public final class BatonMetrics {
  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final Timer jobCreate;
  private final Timer stepLaunch;
  private final Timer statusWrite;
  private final Timer reconcileWait;
  private final Counter statusConflicts;
  private final Counter jobCreateRetries;
  private final Counter nameCollisions;
  private final ConcurrentMap<String, Counter> stepOutcomes = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> instanceOutcomes = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> jobCreateErrors = new ConcurrentHashMap<>();

  private BatonMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
    this.registry = registry;
    this.prometheus = prometheus;
    jobCreate =
        Timer.builder("baton.job.create")
            .description("Time to create a step's Job in the API server")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    stepLaunch =
        Timer.builder("baton.step.launch")
            .description(
                "Time from the observation that made a step attempt runnable (an upstream's end, a retry's"
                    + " timer) to its Job being created: the operator's share of a hand-off")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    reconcileWait =
        Timer.builder("baton.reconcile.wait")
            .description(
                "Time from the first Job or Pod event that woke an instance to the reconcile that read"
                    + " it: the wait in the operator's reconcile queue")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    statusWrite =
        Timer.builder("baton.status.write")
            .description("Time to write an instance status")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    statusConflicts =
        Counter.builder("baton.status.conflicts")
            .description("Status writes retried after a resourceVersion conflict")
            .register(registry);
    jobCreateRetries =
        Counter.builder("baton.job.create.retries")
            .description(
                "Creates of a step attempt's Job or child instance tried again under the same name after an unclear outcome")
            .register(registry);
    nameCollisions =
        Counter.builder("baton.job.name.collisions")
            .description("Creates that met another step's or attempt's object under their name")
            .register(registry);
  }

  /** Exported for Prometheus, with the JVM's own memory, GC, thread and CPU metrics. */
  public static BatonMetrics prometheus() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(r);
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(r);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(r);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(r);
    return new BatonMetrics(r, r);
  }

  /** Metrics that go nowhere, for tests and benchmarks. */
  public static BatonMetrics inMemory() {
    return new BatonMetrics(new SimpleMeterRegistry(), null);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition, or an empty string when not exporting. */
  public String scrape() {
    return prometheus == null ? "" : prometheus.scrape();
  }

  public void jobCreated(Duration took) {
    jobCreate.record(took);
  }

  public void reconcileWaited(Duration took) {
    if (!took.isNegative()) reconcileWait.record(took);
  }

  public void stepLaunched(Duration took) {
    if (!took.isNegative()) stepLaunch.record(took);
  }

  public void jobCreateFailed(String reason) {
    jobCreateErrors
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("baton.job.create.errors")
                    .description("Job creates that failed, by HTTP reason")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  /**
   * A create with an unclear outcome (no answer, timeout, 429, 5xx) was tried again under the same
   * name.
   */
  public void jobCreateRetried() {
    jobCreateRetries.increment();
  }

  /** A create met another step's or attempt's object under its name. */
  public void nameCollision() {
    nameCollisions.increment();
  }

  public void statusWritten(Duration took) {
    statusWrite.record(took);
  }

  public void statusConflict() {
    statusConflicts.increment();
  }

  public void stepEnded(String state) {
    stepOutcomes
        .computeIfAbsent(
            state,
            s ->
                Counter.builder("baton.steps.finished")
                    .description("Steps that reached a final state, by state")
                    .tag("state", s)
                    .register(registry))
        .increment();
  }

  public void instanceEnded(String phase) {
    instanceOutcomes
        .computeIfAbsent(
            phase,
            p ->
                Counter.builder("baton.instances.finished")
                    .description("Instances that reached a final phase, by phase")
                    .tag("phase", p)
                    .register(registry))
        .increment();
  }

  /** A gauge read on scrape, such as the number of runs in memory. */
  public void gauge(String name, String description, Supplier<Number> value) {
    io.micrometer.core.instrument.Gauge.builder(name, value)
        .description(description)
        .register(registry);
  }
}
