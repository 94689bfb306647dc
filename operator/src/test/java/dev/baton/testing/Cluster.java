package dev.baton.testing;

import static org.assertj.core.api.Assertions.fail;

import dev.baton.BatonConfig;
import dev.baton.BatonOperator;
import dev.baton.api.InstancePhase;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.metrics.BatonMetrics;
import dev.baton.runtime.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** The operator, its CRDs and a fake kubelet on a Fabric8 mock server in CRUD mode. */
public final class Cluster implements AutoCloseable {
  public static final String NS = "test";

  public final KubernetesClient client;
  public final FakeKubelet kubelet;
  private BatonOperator operator;
  private BatonMetrics metrics;

  public Cluster(KubernetesClient client) {
    this.client = client;
    installCrds(client);
    kubelet = new FakeKubelet(client).start();
  }

  public static Path repoRoot() {
    return Path.of(System.getProperty("baton.repoRoot", "..")).toAbsolutePath().normalize();
  }

  static void installCrds(KubernetesClient client) {
    try (var files = Files.list(repoRoot().resolve("crds"))) {
      for (Path f : files.sorted().toList()) {
        var crd = client.apiextensions().v1().customResourceDefinitions().load(f.toFile()).item();
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .resource(crd)
            .createOr(c -> c.update());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The settings tests run the operator with unless they say otherwise: no HTTP endpoints. */
  public static BatonConfig config() {
    return BatonConfig.defaults().withHttpPort(-1);
  }

  public Cluster startOperator() {
    return startOperator(config(), Clock.systemUTC());
  }

  /** Starts the operator reading the time from {@code clock}. */
  public Cluster startOperator(Clock clock) {
    return startOperator(config(), clock);
  }

  public Cluster startOperator(BatonConfig config) {
    return startOperator(config, Clock.systemUTC());
  }

  public Cluster startOperator(BatonConfig config, Clock clock) {
    return startOperator(config, clock, josdk -> {});
  }

  /**
   * Starts the operator with {@code josdk} applied to JOSDK's configuration last: for a test that
   * needs to hold the framework at a given point (a slow resource cloner, say).
   */
  public Cluster startOperator(
      BatonConfig config, Clock clock, Consumer<ConfigurationServiceOverrider> josdk) {
    metrics = BatonMetrics.inMemory();
    operator =
        new BatonOperator(
            client,
            config,
            metrics,
            clock,
            o -> {
              withoutServerSideApply(o);
              josdk.accept(o);
            });
    operator.start();
    return this;
  }

  /** The mock server has no server-side apply: JOSDK is told not to use it, here only. */
  static void withoutServerSideApply(ConfigurationServiceOverrider josdk) {
    josdk
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false);
  }

  public void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  /** The metrics of the operator last started. */
  public BatonMetrics metrics() {
    return metrics;
  }

  public BatonOperator operator() {
    return operator;
  }

  /** A WorkflowInstance of {@code workflow} named {@code name}, as YAML. */
  public static String instanceYaml(String name, String workflow) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: WorkflowInstance
    metadata:
      name: %s
    spec:
      workflow: %s
    """
        .formatted(name, workflow);
  }

  /** Creates every object in a YAML text, in namespace {@link #NS}. */
  public List<HasMetadata> apply(String yaml) {
    var items =
        client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    List<HasMetadata> created = new java.util.ArrayList<>();
    for (HasMetadata item : items) {
      item.getMetadata().setNamespace(NS);
      created.add(client.resource(item).inNamespace(NS).create());
    }
    return created;
  }

  public Workflow workflow(String name) {
    return client.resources(Workflow.class).inNamespace(NS).withName(name).get();
  }

  /**
   * Changes an instance as a user's edit would, read afresh and retried when a write of the
   * operator's (its status) got in between: a 409 is the user's problem to retry, not a finding.
   */
  public static WorkflowInstance editInstance(
      KubernetesClient client, String name, java.util.function.Consumer<WorkflowInstance> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        return client
            .resources(WorkflowInstance.class)
            .inNamespace(NS)
            .withName(name)
            .edit(i -> {
              change.accept(i);
              return i;
            });
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 20) throw e;
      }
    }
  }

  /** A restart request, as a user would put it in spec.restart. */
  public static dev.baton.api.RestartRequest restartRequest(
      int run, dev.baton.api.RestartFrom from, String step) {
    dev.baton.api.RestartRequest r = new dev.baton.api.RestartRequest();
    r.run = run;
    r.from = from;
    r.step = step;
    return r;
  }

  /** Waits for run {@code run} of an instance to reach {@code phase}. */
  public WorkflowInstance awaitRun(String name, int run, InstancePhase phase, Duration timeout) {
    return await(
        "run " + run + " of " + name + " " + phase,
        () -> instance(name),
        i ->
            i.getStatus() != null
                && Integer.valueOf(run).equals(i.getStatus().run)
                && i.getStatus().phase == phase,
        timeout);
  }

  public WorkflowInstance instance(String name) {
    return client.resources(WorkflowInstance.class).inNamespace(NS).withName(name).get();
  }

  public List<Job> jobs(String instance) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withLabel(Labels.INSTANCE, instance)
        .list()
        .getItems();
  }

  /**
   * The pod of the first Job of an instance, once it is Running with its container status: the pod
   * of a one-step run that {@link FakeKubelet} holds hanging.
   */
  public Pod runningPod(String instance, Duration timeout) {
    Job job =
        await("the Job of " + instance, () -> jobs(instance), l -> !l.isEmpty(), timeout)
            .getFirst();
    return await(
            "the running pod of " + instance,
            () ->
                client
                    .pods()
                    .inNamespace(NS)
                    .withLabel("job-name", job.getMetadata().getName())
                    .list()
                    .getItems(),
            l ->
                !l.isEmpty()
                    && "Running".equals(l.getFirst().getStatus().getPhase())
                    && !l.getFirst().getStatus().getContainerStatuses().isEmpty(),
            timeout)
        .getFirst();
  }

  public WorkflowInstance awaitPhase(String name, InstancePhase phase, Duration timeout) {
    return await(
        "instance " + name + " in phase " + phase,
        () -> instance(name),
        i -> i != null && i.getStatus() != null && i.getStatus().phase == phase,
        timeout);
  }

  public WorkflowInstance awaitStep(
      String name, String step, dev.baton.api.StepState state, Duration timeout) {
    return await(
        "step " + step + " of " + name + " " + state,
        () -> instance(name),
        i ->
            i != null
                && i.getStatus() != null
                && i.getStatus().steps.get(step) != null
                && i.getStatus().steps.get(step).state == state,
        timeout);
  }

  public WorkflowInstance awaitFinal(String name, Duration timeout) {
    return await(
        "instance " + name + " in a final phase",
        () -> instance(name),
        i ->
            i != null
                && i.getStatus() != null
                && i.getStatus().phase != null
                && i.getStatus().phase.isFinal(),
        timeout);
  }

  /**
   * Holds for an instance under the name of one whose uid was {@code earlierUid}, made again since,
   * whose run has ended.
   */
  public static Predicate<WorkflowInstance> madeAgainAndFinal(String earlierUid) {
    return i ->
        i != null
            && !i.getMetadata().getUid().equals(earlierUid)
            && i.getStatus() != null
            && i.getStatus().phase != null
            && i.getStatus().phase.isFinal();
  }

  /** Polls (test side only) until {@code ok} holds, failing with the last value seen. */
  public static <T> T await(String what, Supplier<T> get, Predicate<T> ok, Duration timeout) {
    AtomicReference<T> last = new AtomicReference<>();
    try {
      // A boolean condition, not until(supplier, predicate): that one never matches a null value.
      Awaitility.await(what)
          .atMost(timeout)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(20))
          .pollInSameThread()
          .until(() -> {
            last.set(get.get());
            return ok.test(last.get());
          });
      return last.get();
    } catch (ConditionTimeoutException e) {
      T seen = last.get();
      String shown =
          seen instanceof HasMetadata h
              ? io.fabric8.kubernetes.client.utils.Serialization.asYaml(h)
              : String.valueOf(seen);
      return fail("timed out waiting for " + what + "; last seen:\n" + shown);
    }
  }

  @Override
  public void close() {
    stopOperator();
    kubelet.close();
  }
}
