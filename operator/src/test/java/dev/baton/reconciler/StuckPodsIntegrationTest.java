package dev.baton.reconciler;

import static dev.baton.testing.Cluster.instanceYaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pods that never run are noticed: the step says why within seconds, and after its pendingTimeout
 * the attempt fails as a platform error, is retried within platformErrors, and its Job is deleted.
 */
class StuckPodsIntegrationTest extends OperatorOnMockServer {
  static final Duration WAIT = Duration.ofSeconds(40);

  private WorkflowInstance run(String name, String stuck) {
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: %s
        spec:
          pendingTimeout: 3s
          steps:
            - id: a
              retry: {platformErrors: 1, backoff: {type: fixed, delay: 1s}}
              job:
                image: nope
                podTemplate: {metadata: {annotations: {baton.dev/fake-stuck: %s}}}
        """
            .formatted(name, stuck));
    cluster.apply(instanceYaml(name + "-1", name));
    return Cluster.await(
        "step a stuck",
        () -> cluster.instance(name + "-1"),
        i ->
            i != null
                && i.getStatus() != null
                && i.getStatus().steps.get("a") != null
                && i.getStatus().steps.get("a").message != null
                && i.getStatus().steps.get("a").message.startsWith("pod stuck: "),
        WAIT);
  }

  private void failsAfterItsRetries(String name, String reason) {
    WorkflowInstance done = cluster.awaitFinal(name + "-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Failed);
    var a = done.getStatus().steps.get("a");
    assertThat(a.state).isEqualTo(StepState.Failed);
    assertThat(a.attempt).isEqualTo(2);
    assertThat(a.platformErrors).isEqualTo(2);
    assertThat(a.message).startsWith("pod stuck: " + reason);
    Cluster.await("the stuck Jobs deleted", () -> cluster.jobs(name + "-1"), List::isEmpty, WAIT);
  }

  @Test
  void anImagePullBackOffIsShownThenFailsTheAttemptAfterThePendingTimeout() {
    WorkflowInstance stuck = run("pull", "ImagePullBackOff");
    assertThat(stuck.getStatus().steps.get("a").message)
        .contains("ImagePullBackOff: Back-off pulling image \"nope\"");
    failsAfterItsRetries("pull", "ImagePullBackOff");
  }

  @Test
  void anUnschedulablePodIsShownThenFailsTheAttempt() {
    WorkflowInstance stuck = run("unschedulable", "Unschedulable");
    assertThat(stuck.getStatus().steps.get("a").message)
        .contains("Unschedulable: 0/3 nodes are available");
    failsAfterItsRetries("unschedulable", "Unschedulable");
  }

  @Test
  void aJobThatMakesNoPodIsNoticedThenFails() {
    // The mock server ignores field selectors it does not know, as involvedObject.uid: the
    // FailedCreate Event is not found here, and the step says the Job has made no pod.
    WorkflowInstance stuck = run("refused", "FailedCreate");
    assertThat(stuck.getStatus().steps.get("a").message)
        .startsWith("pod stuck: NoPod: the Job has made no pod in 5s");
    failsAfterItsRetries("refused", "NoPod");
  }
}
