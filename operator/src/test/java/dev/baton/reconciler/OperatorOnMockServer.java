package dev.baton.reconciler;

import dev.baton.BatonConfig;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What most integration tests share: the real operator started before each test on the Fabric8 mock
 * server (CRUD mode), with {@link dev.baton.testing.FakeKubelet} playing the Job controller and the
 * kubelet, and stopped after it.
 */
@EnableKubernetesMockClient(crud = true)
abstract class OperatorOnMockServer {
  static KubernetesClient client;

  Cluster cluster;

  @BeforeEach
  void startOperator() {
    cluster = new Cluster(client).startOperator(config());
  }

  /** The operator's settings; a test class overrides this for settings of its own. */
  BatonConfig config() {
    return Cluster.config();
  }

  @AfterEach
  void stopOperator() {
    cluster.close();
  }
}
