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

  @Test
  void theApiServersWordsAreTheMessageOfAnyOtherRejection() {
    assertThat(
            CreateFailure.of(answer(422, "spec.template: Invalid value"), "jobs.batch", "ns")
                .message())
        .isEqualTo("spec.template: Invalid value");
  }
}
