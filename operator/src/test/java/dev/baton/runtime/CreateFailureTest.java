package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CreateFailureTest {
  private static final List<String> RESOURCES =
      List.of("jobs.batch", "workflowinstances.baton.dev");

  private static KubernetesClientException answer(int code, String message) {
    return new KubernetesClientException(
        new StatusBuilder().withCode(code).withMessage(message).build());
  }

  @Test
  void aForbiddenCreateFailsTheAttemptForGoodAndNamesTheMissingPermission() {
    var e =
        answer(
            403,
            "jobs.batch is forbidden: User \"system:serviceaccount:baton:baton\" cannot create resource \"jobs\"");

    CreateFailure failure = CreateFailure.of(e, "jobs.batch", "team-a");

    assertThat(failure.retryable()).isFalse();
    assertThat(failure.message())
        .startsWith("forbidden: the operator may not create jobs.batch in namespace team-a")
        .contains("RBAC permission \"create\" on jobs.batch")
        .endsWith("cannot create resource \"jobs\"");
  }

  @Test
  void jobsAndChildInstancesAreJudgedAlike() {
    for (String resource : RESOURCES) {
      for (int code : new int[] {400, 401, 403, 404, 422}) {
        assertThat(CreateFailure.of(answer(code, "no"), resource, "ns").retryable())
            .as(resource + " " + code)
            .isFalse();
      }
      for (int code : new int[] {0, 408, 429, 500, 503}) {
        assertThat(CreateFailure.of(answer(code, "later"), resource, "ns").retryable())
            .as(resource + " " + code)
            .isTrue();
      }
    }
  }

  /**
   * A request that got no answer (the client's timeout while etcd restarted, a refused or dropped
   * connection) reaches the operator as Fabric8 makes it: code -1, not 0. It may have created the
   * Job, so it is tried again; found by e2e/faults.sh, where it failed two runs for good.
   */
  @Test
  void noAnswerAsFabric8ReportsItIsRetried() {
    var timeout =
        new java.util.concurrent.TimeoutException(
            "The timeout period of 10000ms has been exceeded while executing POST /apis/batch/v1/namespaces/ns/jobs");
    KubernetesClientException laundered;
    try {
      throw KubernetesClientException.launderThrowable(timeout);
    } catch (KubernetesClientException e) {
      laundered = e;
    }
    List<KubernetesClientException> noAnswers =
        List.of(
            laundered,
            new KubernetesClientException(timeout.getMessage(), timeout),
            new KubernetesClientException("connection refused"));
    for (String resource : RESOURCES) {
      for (KubernetesClientException e : noAnswers) {
        assertThat(e.getCode()).as("Fabric8's code for no answer").isLessThanOrEqualTo(0);
        assertThat(CreateFailure.of(e, resource, "ns").retryable()).as(resource).isTrue();
      }
    }
  }

  @Test
  void theApiServersWordsAreTheMessageOfAnyOtherRejection() {
    assertThat(
            CreateFailure.of(answer(422, "spec.template: Invalid value"), "jobs.batch", "ns")
                .message())
        .isEqualTo("spec.template: Invalid value");
  }
}
