package dev.baton.reconciler;

import static dev.baton.testing.Cluster.instanceYaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A status the API server refuses as too large is not retried forever: the run fails, saying why.
 */
class StatusTooLargeIntegrationTest extends OperatorOnMockServer {
  static KubernetesMockServer server;
  static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void aStatusRefusedAsTooLargeEndsTheRunFailedWithTheReason() {
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: big
        spec:
          steps:
            - id: a
              job: {image: busybox, podTemplate: {metadata: {annotations: {baton.dev/fake-duration: 4s}}}}
        """);
    cluster.apply(instanceYaml("big-1", "big"));
    cluster.awaitStep("big-1", "a", StepState.Running, WAIT);
    // The next status write, when the step ends, is refused.
    server
        .expect()
        .put()
        .withPath(
            "/apis/baton.dev/v1alpha1/namespaces/" + Cluster.NS + "/workflowinstances/big-1/status")
        .andReturn(
            413,
            new StatusBuilder()
                .withCode(413)
                .withReason("RequestEntityTooLarge")
                .withMessage("Request entity too large: limit is 3145728")
                .build())
        .once();

    WorkflowInstance done = cluster.awaitFinal("big-1", WAIT);

    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(done.getStatus().message)
        .contains("refused the status")
        .contains("as too large")
        .contains("budget 1048576 bytes");
    assertThat(done.getStatus().conditions)
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Completed");
          assertThat(c.getReason()).isEqualTo("StatusTooLarge");
        });
  }
}
