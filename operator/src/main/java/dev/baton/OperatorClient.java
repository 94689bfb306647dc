package dev.baton;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.Utils;

/**
 * The operator's Kubernetes client, with a serialization tuned for what it does most: decoding the
 * watch events of its Jobs, Pods and instances, several per step.
 *
 * <ul>
 *   <li>Objects are read without their {@code metadata.managedFields}: the API server's record of
 *       field owners, which Baton never reads, is a third to a half of each object's JSON and the
 *       deepest part of it (nested maps). Never read, it is never sent back either, and an update
 *       that omits managedFields leaves the server's copy as it is.
 *   <li>Bean properties are set and read through generated lambdas (Jackson's Blackbird module)
 *       instead of reflective calls.
 *   <li>A watch the API server ends is started again after {@value #WATCH_RECONNECT_MILLIS} ms, not
 *       Fabric8's default of a second. The API server ends a watch whose reader falls behind (on a
 *       busy server, in a burst of events) as well as on its timeout; for as long as the watch is
 *       down the operator sees no pod end and starts no step. Fabric8 doubles the wait on each
 *       attempt that brings no event (up to 32 times the first: 3.2 s), so a server that is down is
 *       not hammered. The {@code kubernetes.watch.reconnectInterval} system property or {@code
 *       KUBERNETES_WATCH_RECONNECTINTERVAL} environment variable, when set, is used instead.
 * </ul>
 */
public final class OperatorClient {
  private OperatorClient() {}

  /** Baton's wait before watching again after the API server ended a watch, in ms. */
  public static final int WATCH_RECONNECT_MILLIS = 100;

  /** A client for the current kubeconfig or the in-cluster ServiceAccount. */
  public static KubernetesClient create() {
    return new KubernetesClientBuilder()
        .withConfig(config())
        .withKubernetesSerialization(serialization())
        .build();
  }

  /**
   * Fabric8's configuration from the kubeconfig, the ServiceAccount and the environment, with
   * Baton's wait before watching again unless the environment sets one.
   */
  static Config config() {
    Config config = new ConfigBuilder().build();
    if (Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_WATCH_RECONNECT_INTERVAL_SYSTEM_PROPERTY)
        == null) config.setWatchReconnectInterval(WATCH_RECONNECT_MILLIS);
    return config;
  }

  /** The operator's serialization: Fabric8's, without managedFields, with Blackbird. */
  public static KubernetesSerialization serialization() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.registerModule(new BlackbirdModule());
    mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    // Fabric8 adds its own configuration and modules to this mapper.
    return new KubernetesSerialization(mapper, true);
  }

  @JsonIgnoreProperties({"managedFields"})
  private abstract static class WithoutManagedFields {}
}
