package dev.baton;

import dev.baton.api.WorkflowInstance;
import dev.baton.dag.DefinitionCache;
import dev.baton.dag.WorkflowCompiler;
import dev.baton.flow.FlowEngine;
import dev.baton.metrics.BatonMetrics;
import dev.baton.reconciler.Reconcilers;
import dev.baton.runs.Runs;
import dev.baton.runtime.EventRecorder;
import dev.baton.runtime.JobFactory;
import dev.baton.runtime.KubernetesRuntime;
import dev.baton.runtime.StatusWriter;
import dev.baton.runtime.Timers;
import dev.baton.scheduler.ScheduleDriver;
import dev.baton.signaltriggers.SignalRetention;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.Cloner;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.health.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** Assembles the operator: engine, runtime, reconcilers and the JOSDK Operator around them. */
public final class BatonOperator implements AutoCloseable {
  private final Operator operator;
  private final FlowEngine engine;
  private final BatonMetrics metrics;
  private final Timers timers;
  private final SignalRetention signalRetention;
  private final ExecutorService engineThreads;
  private final ExecutorService io;
  private final EngineProbe engineProbe;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(BatonOperator.class);
  private volatile boolean closing;

  public BatonOperator(
      KubernetesClient client, BatonConfig config, BatonMetrics metrics, Clock clock) {
    this(client, config, metrics, clock, josdk -> {});
  }

  /**
   * As above, with {@code josdk} applied to JOSDK's configuration after Baton's own choices: for a
   * test harness whose API server lacks what a real one has (the Fabric8 mock server has no
   * server-side apply). Not a setting: the operator a user runs keeps JOSDK's defaults.
   */
  public BatonOperator(
      KubernetesClient client,
      BatonConfig config,
      BatonMetrics metrics,
      Clock clock,
      Consumer<ConfigurationServiceOverrider> josdk) {
    this.metrics = metrics;
    AtomicInteger n = new AtomicInteger();
    engineThreads =
        Executors.newFixedThreadPool(
            config.engineThreads(),
            r -> {
              Thread t = new Thread(r, "baton-flow-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    io = Executors.newVirtualThreadPerTaskExecutor();
    timers = new Timers(clock);
    EventRecorder events = new EventRecorder(client, io, clock);
    AtomicReference<Consumer<WorkflowInstance>> finished = new AtomicReference<>(written -> {});
    StatusWriter status =
        new StatusWriter(
            client,
            io,
            metrics,
            events,
            written -> finished.get().accept(written),
            config.statusInterval());
    KubernetesRuntime runtime =
        new KubernetesRuntime(client, new JobFactory(config.jobTtl()), status, timers, io, metrics);
    engine = new FlowEngine(engineThreads, runtime, clock);
    engineProbe = new EngineProbe(engineThreads, clock, Duration.ofSeconds(30));
    DefinitionCache definitions = new DefinitionCache(new WorkflowCompiler(), 512);
    Runs runs = new Runs(client, definitions, engine, runtime, status, events, clock);
    finished.set(runs.driver()::finished);
    signalRetention = new SignalRetention(client, config.signalTtl(), config.signalMax(), clock);
    Reconcilers reconcilers =
        new Reconcilers(
            client,
            definitions,
            runs,
            new ScheduleDriver(client, events, clock),
            events,
            signalRetention,
            metrics::reconcileWaited,
            clock);
    metrics.gauge("baton.instances.active", "Runs in progress, held in memory", engine::size);
    metrics.gauge("baton.timers.pending", "Timers waiting to fire", timers::pending);

    operator =
        new Operator(o -> {
          // Server-side apply stays JOSDK's default. Baton's statuses do not depend on it: they
          // are replaced whole, on a resourceVersion (StatusReplacer), and the reconcilers
          // return noUpdate, have no dependents and add no finalizer.
          o.withKubernetesClient(client)
              .withCloseClientOnStop(false)
              .withConcurrentReconciliationThreads(config.reconcileThreads())
              .withResourceCloner(new InstanceSharingCloner(client))
              // Not metrics (Baton's are its own): the one place JOSDK says it forgot a name.
              .withMetrics(reconcilers.frameworkHook());
          if (config.leaderElection()) {
            o.withLeaderElectionConfiguration(leaderElection(config));
          }
          josdk.accept(o);
        });
    operator.register(
        reconcilers.workflows(),
        o -> {
          if (!config.namespaces().isEmpty()) o.settingNamespaces(config.namespaces());
        });
    operator.register(
        reconcilers.instances(),
        o -> {
          if (!config.namespaces().isEmpty()) o.settingNamespaces(config.namespaces());
        });
    operator.register(
        reconcilers.signals(),
        o -> {
          if (!config.namespaces().isEmpty()) o.settingNamespaces(config.namespaces());
        });
  }

  /**
   * JOSDK deep-copies the primary resource before each reconcile, through a JSON round trip. An
   * instance is reconciled on every change to its Jobs and Pods, several times per step, and its
   * status (the pinned definition, every step) makes that copy a large share of the operator's CPU.
   * The instance reconciler reads the instance it is given and never edits it, except on the path
   * that starts, resumes or restarts a run, which makes its own copy first (RunDriver); so
   * instances are handed over as the informer holds them. Everything else is copied as before.
   */
  private static final class InstanceSharingCloner implements Cloner {
    private final KubernetesClient client;

    InstanceSharingCloner(KubernetesClient client) {
      this.client = client;
    }

    @Override
    public <R extends HasMetadata> R clone(R object) {
      if (object instanceof WorkflowInstance) return object;
      return client.getKubernetesSerialization().clone(object);
    }
  }

  /**
   * JOSDK's default would System.exit(1) when leadership ends, and it ends too when close() cancels
   * the election, from within the shutdown hook, where System.exit blocks forever. So this exits
   * only on a lost Lease (another replica may already reconcile), from a thread of its own, which
   * runs the shutdown hook. The identity is the host (the pod's name) plus a random suffix, so two
   * processes on one host, or a restarted container, never pass for the same holder.
   */
  private LeaderElectionConfiguration leaderElection(BatonConfig config) {
    String host = System.getenv().getOrDefault("HOSTNAME", "baton");
    String identity = host + "_" + java.util.UUID.randomUUID().toString().substring(0, 8);
    Runnable lost =
        () -> {
          if (closing) return;
          LOG.error(
              "lost the Lease {}/{} (identity {}): exiting, so that only the new holder reconciles",
              config.leaseNamespace(),
              config.leaseName(),
              identity);
          Thread.ofPlatform().start(() -> System.exit(1));
        };
    return new LeaderElectionConfiguration(
        config.leaseName(),
        config.leaseNamespace(),
        config.lease().leaseDuration(),
        config.lease().renewDeadline(),
        config.lease().retryPeriod(),
        identity,
        new LeaderCallbacks(
            () ->
                LOG.info(
                    "holding the Lease {}/{} as {}: reconciling",
                    config.leaseNamespace(),
                    config.leaseName(),
                    identity),
            lost,
            leader -> {}),
        false);
  }

  public void start() {
    operator.start();
  }

  public boolean healthy() {
    return operator.getRuntimeInfo().allEventSourcesAreHealthy();
  }

  /**
   * What keeps the operator from working, for /healthz and /readyz; empty when nothing: not started
   * (or stopped), an event source that is not healthy (for an informer: per namespace, whether it
   * runs, watches and has synced), a stuck or stopped flow engine. A hot standby without the Lease
   * is healthy: its informers run, only event processing waits for the Lease.
   */
  public List<String> problems() {
    List<String> out = new ArrayList<>(engineProbe.problems());
    if (!started()) {
      out.add("the operator is not started");
      return out;
    }
    operator
        .getRuntimeInfo()
        .unhealthyEventSources()
        .forEach((controller, sources) ->
            sources.forEach((name, health) -> {
              StringBuilder line =
                  new StringBuilder(
                      "controller "
                          + controller
                          + ": event source "
                          + name
                          + " is "
                          + health.getStatus());
              if (health instanceof InformerWrappingEventSourceHealthIndicator<?> informers) {
                informers
                    .informerHealthIndicators()
                    .forEach((ns, i) -> {
                      if (i.getStatus() != Status.HEALTHY) {
                        line.append("; informer for namespace ")
                            .append(ns.isEmpty() ? "(all)" : ns)
                            .append(": running=")
                            .append(i.isRunning())
                            .append(" watching=")
                            .append(i.isWatching())
                            .append(" synced=")
                            .append(i.hasSynced());
                      }
                    });
              }
              out.add(line.toString());
            }));
    return out;
  }

  public boolean started() {
    return operator.getRuntimeInfo().isStarted();
  }

  public FlowEngine engine() {
    return engine;
  }

  public BatonMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    closing = true;
    operator.stop();
    timers.close();
    signalRetention.close();
    engineThreads.shutdownNow();
    io.shutdownNow();
  }
}
