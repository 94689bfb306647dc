package dev.baton.e2e;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Argo Workflows' workflow-controller (built by {@code e2e/cluster/cluster.sh argo-build}) as a
 * local process, namespaced to its own namespace: it sees only that namespace's Workflows and pods,
 * never Baton's. It authenticates with the kubeconfig e2e/compare.sh made for the ServiceAccount
 * bound to the Role of Argo's own namespace-install manifests, and runs without leader election.
 */
final class ArgoController implements AutoCloseable {
  static final String CONFIGMAP = "workflow-controller-configmap";

  /** A named setting: the controller's flags and environment. */
  record Setting(String name, List<String> flags, Map<String, String> env) {
    String describe() {
      List<String> parts = new ArrayList<>();
      env.forEach((k, v) -> parts.add(k + "=" + v));
      parts.addAll(flags);
      return parts.isEmpty() ? "(none)" : String.join(" ", parts);
    }
  }

  /** Argo's defaults: a 10 s requeue, client QPS 20 / burst 30, 32 workflow workers. */
  static final Setting DEFAULTS = new Setting("Argo defaults", List.of(), Map.of());

  /** Argo tuned for speed, as its docs suggest for many small workflows. */
  static final Setting TUNED =
      new Setting(
          "Argo tuned",
          List.of("--qps=200", "--burst=400", "--workflow-workers=64", "--pod-cleanup-workers=16"),
          Map.of("DEFAULT_REQUEUE_TIME", "1s"));

  final Process process;
  final Path log;

  private ArgoController(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Writes the ConfigMap the namespaced controller needs (its metrics on a free port, so that two
   * benchmarks on one machine do not collide), then starts the controller.
   */
  static ArgoController start(
      KubernetesClient client, String binary, String kubeconfig, String ns, Setting setting)
      throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, String> data = new LinkedHashMap<>();
    data.put("metricsConfig", "port: " + port + "\n");
    data.put("telemetryConfig", "port: " + port + "\n");
    client
        .configMaps()
        .inNamespace(ns)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(CONFIGMAP)
                .withNamespace(ns)
                .endMetadata()
                .withData(data)
                .build())
        .createOr(c -> c.update());
    List<String> command = new ArrayList<>();
    command.add(binary);
    command.add("--kubeconfig=" + kubeconfig);
    command.add("--namespaced");
    command.add("--managed-namespace=" + ns);
    command.add("--configmap=" + CONFIGMAP);
    command.addAll(setting.flags());
    Path log =
        E2E.ROOT.resolve(
            "e2e/target/argo-" + setting.name().toLowerCase().replace(' ', '-') + ".log");
    Files.createDirectories(log.getParent());
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    pb.environment().put("LEADER_ELECTION_DISABLE", "true");
    pb.environment().putAll(setting.env());
    return new ArgoController(pb.start(), log);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
