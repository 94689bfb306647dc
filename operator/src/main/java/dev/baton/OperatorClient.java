package dev.baton;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

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
 * </ul>
 */
public final class OperatorClient {
  private OperatorClient() {}

  /** A client for the current kubeconfig or the in-cluster ServiceAccount. */
  public static KubernetesClient create() {
    return new KubernetesClientBuilder().withKubernetesSerialization(serialization()).build();
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
