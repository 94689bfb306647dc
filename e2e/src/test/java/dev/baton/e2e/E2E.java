package dev.baton.e2e;

import dev.baton.OperatorClient;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * What the end-to-end tests share: an admin client for the test's own objects, and the operator as
 * a separate process that authenticates with the Helm chart's ServiceAccount token, so a gap in the
 * chart's RBAC fails the tests. e2e/run.sh sets BATON_E2E_OPERATOR_KUBECONFIG.
 */
final class E2E {
  static final Path ROOT =
      Path.of(System.getProperty("baton.repoRoot", "..")).toAbsolutePath().normalize();

  /**
   * The chart's release namespace and leader-election Lease (e2e/run.sh installs release "baton"
   * there).
   */
  static final String LEASE_NAMESPACE =
      System.getenv().getOrDefault("BATON_E2E_RELEASE_NAMESPACE", "baton-system");

  static final String LEASE_NAME = System.getenv().getOrDefault("BATON_E2E_LEASE_NAME", "baton");

  private E2E() {}

  /**
   * The admin client. Its watches resume as the operator's do ({@link
   * OperatorClient#WATCH_RECONNECT_MILLIS}), not after Fabric8's default second, so that a
   * benchmark's watcher does not see events a second late when a busy API server drops its watch.
   */
  static KubernetesClient admin() {
    return new KubernetesClientBuilder().withConfig(adminConfig()).build();
  }

  /** The admin client's configuration: the kubeconfig's, with the operator's watch restart. */
  static Config adminConfig() {
    Config config = Config.autoConfigure(null);
    config.setWatchReconnectInterval(OperatorClient.WATCH_RECONNECT_MILLIS);
    return config;
  }

  static String namespace(KubernetesClient client, String name) {
    return namespace(client, name, Map.of());
  }

  /** A namespace with these labels, made or updated, once its default ServiceAccount exists. */
  static String namespace(KubernetesClient client, String name, Map<String, String> labels) {
    // One left terminating by an earlier class or run takes no new objects: wait until it is gone.
    Cluster.await(
        "namespace " + name + " not terminating",
        () -> client.namespaces().withName(name).get(),
        n -> n == null || n.getMetadata().getDeletionTimestamp() == null,
        Duration.ofSeconds(120));
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .createOr(n -> n.update());
    Cluster.await(
        "default ServiceAccount in " + name,
        () -> client.serviceAccounts().inNamespace(name).withName("default").get(),
        sa -> sa != null,
        Duration.ofSeconds(60));
    return name;
  }

  /**
   * Deletes a namespace, if there, and waits until it is gone: deleting one full of Jobs and Pods
   * keeps the cluster busy for a minute or more, and a benchmark run started meanwhile would
   * measure that too.
   */
  static void removeNamespace(KubernetesClient client, String name) {
    client.namespaces().withName(name).delete();
    Cluster.await(
        "namespace " + name + " deleted",
        () -> client.namespaces().withName(name).get(),
        gone -> gone == null,
        Duration.ofMinutes(10));
  }

  static List<HasMetadata> apply(KubernetesClient client, String ns, String yaml) {
    List<HasMetadata> created = new ArrayList<>();
    for (HasMetadata item :
        client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items()) {
      item.getMetadata().setNamespace(ns);
      created.add(client.resource(item).inNamespace(ns).create());
    }
    return created;
  }

  static WorkflowInstance instance(KubernetesClient client, String ns, String name) {
    return client.resources(WorkflowInstance.class).inNamespace(ns).withName(name).get();
  }

  static WorkflowInstance awaitFinal(
      KubernetesClient client, String ns, String name, Duration timeout) {
    return Cluster.await(
        "instance " + ns + "/" + name + " in a final phase",
        () -> instance(client, ns, name),
        i ->
            i != null
                && i.getStatus() != null
                && i.getStatus().phase != null
                && i.getStatus().phase.isFinal(),
        timeout);
  }

  /** Until every signal trigger of the Workflow is active (its status gives each a since). */
  static void awaitSignalTriggersActive(KubernetesClient client, String ns, String workflow) {
    Cluster.await(
        "the triggers of " + workflow + " active",
        () -> client.resources(Workflow.class).inNamespace(ns).withName(workflow).get(),
        w ->
            w.getStatus() != null
                && w.getStatus().signalTriggers != null
                && !w.getStatus().signalTriggers.isEmpty()
                && w.getStatus().signalTriggers.stream().allMatch(t -> t.since != null),
        Duration.ofSeconds(60));
  }

  /** Until run {@code run} of the instance (e.g. one a restart started) is in a final phase. */
  static WorkflowInstance awaitRunFinal(
      KubernetesClient client, String ns, String name, int run, Duration timeout) {
    return Cluster.await(
        "run " + run + " of " + name + " finished",
        () -> instance(client, ns, name),
        i -> i.getStatus().run != null && i.getStatus().run == run && i.getStatus().phase.isFinal(),
        timeout);
  }

  /**
   * Runs kubectl as a user would, with the admin kubeconfig (e2e/run.sh puts kubectl on PATH), and
   * returns its output; a non-zero exit fails the test with that output. Name Baton's kinds in full
   * ({@code workflows.baton.dev}, {@code workflowinstances.baton.dev}): e2e/run.sh installs Argo
   * Workflows' CRDs too, and then a bare {@code workflows} means Argo's kind.
   */
  static String kubectl(String... args) {
    List<String> command = new ArrayList<>();
    command.add("kubectl");
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs e2e/cluster/cluster.sh (e.g. {@code restart kube-apiserver}) and returns its output; a
   * non-zero exit, or none within 5 minutes, throws with that output.
   */
  static String cluster(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("e2e/cluster/cluster.sh").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0)
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    return out;
  }

  /** The step path of a Job: the annotation, which holds it whole even when the label cannot. */
  static String stepPath(Job job) {
    var annotations = job.getMetadata().getAnnotations();
    String path = annotations == null ? null : annotations.get(Labels.STEP_PATH);
    return path != null ? path : job.getMetadata().getLabels().get(Labels.STEP);
  }

  static List<Job> jobs(KubernetesClient client, String ns, String instance) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withLabel(Labels.INSTANCE, instance)
        .list()
        .getItems();
  }

  /** A watcher that hands each event to {@code onEvent} and ignores the watch's close. */
  static <T> Watcher<T> watcher(BiConsumer<Watcher.Action, T> onEvent) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        onEvent.accept(action, resource);
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  /** The operator, run from operator/target the way the container image runs it. */
  static final class Operator implements AutoCloseable {
    final Process process;
    final Path log;
    final int port;
    private volatile boolean killed;

    private Operator(Process process, Path log, int port) {
      this.process = process;
      this.log = log;
      this.port = port;
    }

    static Operator start(String name) throws IOException {
      return start(name, operatorKubeconfig());
    }

    /** The chart's ServiceAccount kubeconfig that e2e/run.sh made. */
    static String operatorKubeconfig() {
      String kubeconfig = System.getenv("BATON_E2E_OPERATOR_KUBECONFIG");
      if (kubeconfig == null || kubeconfig.isBlank()) {
        throw new IllegalStateException(
            "BATON_E2E_OPERATOR_KUBECONFIG is not set: run the end-to-end tests through e2e/run.sh, which installs the chart and makes a kubeconfig for its ServiceAccount");
      }
      return kubeconfig;
    }

    /** The operator with another kubeconfig (e.g. one that reaches the API through a proxy). */
    static Operator start(String name, String kubeconfig) throws IOException {
      Path jar = ROOT.resolve("operator/target/baton-operator.jar");
      if (!Files.exists(jar))
        throw new IllegalStateException(jar + " is missing: mvn -pl operator package first");
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path log = ROOT.resolve("e2e/target/operator-" + name + ".log");
      Files.createDirectories(log.getParent());
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // BATON_E2E_OPERATOR_JAVA_OPTS: more JVM options for the operator, e.g. a JFR recording.
      String javaOpts = System.getenv().getOrDefault("BATON_E2E_OPERATOR_JAVA_OPTS", "").strip();
      if (!javaOpts.isEmpty()) pb.command().addAll(List.of(javaOpts.split("\\s+")));
      pb.command().addAll(List.of("-jar", jar.toString()));
      pb.environment().put("KUBECONFIG", kubeconfig);
      pb.environment().put("BATON_HTTP_PORT", Integer.toString(port));
      pb.environment().put("BATON_JOB_TTL", "1h");
      // As the chart runs it: always with leader election, on the chart's Lease in the release
      // namespace (the lease Role there is the chart's too).
      // BATON_E2E_LEADER_ELECTION=false (benchmarks only): one operator and no Lease, for a
      // machine so loaded that the Lease's renewals time out and the operator exits.
      boolean leaderElection =
          !"false".equals(System.getenv().getOrDefault("BATON_E2E_LEADER_ELECTION", "true"));
      pb.environment().put("BATON_LEADER_ELECTION", Boolean.toString(leaderElection));
      pb.environment().put("BATON_LEASE_NAMESPACE", LEASE_NAMESPACE);
      pb.environment().put("BATON_LEASE_NAME", LEASE_NAME);
      long logStart = Files.exists(log) ? Files.size(log) : 0;
      Operator op = new Operator(pb.start(), log, port);
      op.awaitReady();
      if (leaderElection) op.awaitLease(logStart);
      return op;
    }

    /**
     * Until this process holds the Lease (a standby is ready before that, and reconciles nothing).
     */
    private void awaitLease(long logStart) {
      Cluster.await(
          "operator " + log.getFileName() + " holding the Lease",
          () -> {
            if (!process.isAlive()) throw new IllegalStateException("operator exited; see " + log);
            try {
              byte[] all = Files.readAllBytes(log);
              return new String(
                  all,
                  (int) Math.min(logStart, all.length),
                  all.length - (int) Math.min(logStart, all.length),
                  StandardCharsets.UTF_8);
            } catch (IOException e) {
              return "";
            }
          },
          text -> text.contains("holding the Lease"),
          Duration.ofSeconds(90));
    }

    private void awaitReady() {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      Cluster.await(
          "operator " + log.getFileName() + " ready on /readyz",
          () -> {
            if (!process.isAlive()) throw new IllegalStateException("operator exited; see " + log);
            try {
              return http.send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode();
            } catch (IOException | InterruptedException e) {
              return 0;
            }
          },
          code -> code == 200,
          Duration.ofSeconds(90));
    }

    String metrics() throws IOException, InterruptedException {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }

    /** SIGKILL: no shutdown hook, no last status write. */
    void kill() throws InterruptedException {
      killed = true;
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM, then the Lease is deleted: the operator does not release it when it stops, so the
     * next test's operator would wait out its 15 seconds. After kill() it stays, as after a crash.
     */
    @Override
    public void close() throws InterruptedException {
      if (killed) return;
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
        throw new AssertionError(
            "operator " + log.getFileName() + " did not stop within 20s of SIGTERM");
      }
      try (KubernetesClient admin = admin()) {
        admin
            .resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class)
            .inNamespace(LEASE_NAMESPACE)
            .withName(LEASE_NAME)
            .delete();
      }
    }
  }
}
