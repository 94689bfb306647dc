package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.RestartFrom;
import dev.baton.api.RestartRequest;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import dev.baton.testing.JobCreations;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the integration tests that count every Job Baton creates share: the real operator on the
 * mock server, a fresh namespace of Jobs for each test, and the Job creations the API server saw,
 * by step path and attempt.
 */
@EnableKubernetesMockClient(crud = true)
abstract class CountedJobsIntegrationTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(40);

  Cluster cluster;

  /** Job creations seen by the API server, by "instance/path#attempt". */
  JobCreations created;

  @BeforeEach
  void start() {
    client.batch().v1().jobs().inNamespace(Cluster.NS).delete();
    cluster = new Cluster(client).startOperator();
    created = JobCreations.watch(client);
  }

  @AfterEach
  void stop() {
    created.close();
    cluster.close();
  }

  /** The Job creations of one instance, "path#attempt" to count, once they are {@code n}. */
  Map<String, Integer> creations(String instance, int n) {
    return created.of(instance, n, WAIT);
  }

  WorkflowInstance edit(String name, Consumer<WorkflowInstance> change) {
    return Cluster.editInstance(client, name, change);
  }

  static RestartRequest restart(int run, RestartFrom from, String step) {
    return Cluster.restartRequest(run, from, step);
  }

  WorkflowInstance awaitRun(String name, int run, InstancePhase phase) {
    return cluster.awaitRun(name, run, phase, WAIT);
  }

  /**
   * The Job creations of one instance stay {@code expected} for {@code period}: none comes late.
   */
  void assertNoLateCreations(String instance, Map<String, Integer> expected, Duration period) {
    Awaitility.await("no late Job creations of " + instance)
        .during(period)
        .atMost(period.plusSeconds(1))
        .pollInSameThread()
        .untilAsserted(() -> assertThat(creations(instance, expected.size())).isEqualTo(expected));
  }

  /** A pause, not a wait for a condition: the cluster goes on while the operator is down. */
  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
