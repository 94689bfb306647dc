package dev.baton.reconciler;

import static dev.baton.testing.Cluster.instanceYaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An operator whose ServiceAccount may not create Jobs: the run fails at once, saying so. */
@EnableKubernetesMockClient(crud = true)
class ForbiddenJobsIntegrationTest {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final Duration WAIT = Duration.ofSeconds(30);

  Cluster cluster;

  @BeforeEach
  void start() {
    server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/" + Cluster.NS + "/jobs")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage(
                    "jobs.batch is forbidden: User \"system:serviceaccount:baton:baton\" cannot create resource \"jobs\"")
                .build())
        .always();
    cluster = new Cluster(client).startOperator();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void aForbiddenJobFailsItsStepOnceWithThePermissionNamedInsteadOfRetrying() {
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: forbidden
        spec:
          steps:
            - id: a
              retry: {platformErrors: 5}
              job: {image: busybox}
        """);
    cluster.apply(instanceYaml("forbidden-1", "forbidden"));

    WorkflowInstance done = cluster.awaitFinal("forbidden-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    var step = done.getStatus().steps.get("a");
    assertThat(step.state).isEqualTo(StepState.Failed);
    assertThat(step.attempt).isEqualTo(1);
    assertThat(step.message)
        .contains("forbidden: the operator may not create jobs.batch in namespace " + Cluster.NS)
        .contains("\"create\" on jobs.batch");
  }
}
