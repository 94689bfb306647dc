package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.api.InstancePhase;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The security model on the real API server, with the operator running under the chart's
 * ServiceAccount token: a restart that deletes a loop's children (RBAC exactly as used), step and
 * step pods admitted by a namespace enforcing Pod Security "restricted". The admission policy is
 * {@link AdmissionPolicyE2ETest}.
 */
class SecurityE2ETest extends OnCluster {
  static final String NS = "e2e-security";
  static final String RESTRICTED = "e2e-restricted";

  @BeforeAll
  static void start() throws Exception {
    open(NS);
    namespace(
        RESTRICTED,
        Map.of(
            "pod-security.kubernetes.io/enforce", "restricted",
            "pod-security.kubernetes.io/enforce-version", "latest"));
    startOperator("security");
  }

  // --- RBAC exactly as used: a restart deletes the children, Jobs and Pods of a rerun iteration
  // ---

  @Test
  void restartFromIncompleteOfAForeachWithSubworkflowChildrenSucceeds() throws Exception {
    long logStart = Files.size(operator.log);
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: part
        spec:
          params:
            - {name: p, type: integer}
          steps:
            - id: work
              retry: {userErrors: 0}
              job:
                image: busybox:1.36
                command: [sh, -c, 'echo part ${params.p}']
                env:
                  - {name: BATON_FAKE_EXIT_CODE, value: "${params.p == 2 ? 3 : 0}"}
        """);
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: fan
        spec:
          steps:
            - id: parts
              type: foreach
              foreach:
                over: [{name: p, expr: "[1, 2, 3]"}]
                onIterationFailure: continue
              steps:
                - id: prep
                  job: {image: busybox:1.36, command: [sh, -c, 'echo prep']}
                - id: sub
                  type: subworkflow
                  dependsOn: [prep]
                  retry: {userErrors: 0}
                  subworkflow:
                    workflow: part
                    params: {p: "${loop.p}"}
        """);
    E2E.apply(client, NS, Cluster.instanceYaml("fan-1", "fan"));
    WorkflowInstance run1 = E2E.awaitFinal(client, NS, "fan-1", Duration.ofSeconds(120));
    assertThat(run1.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(run1.getStatus().steps.get("parts").loop.unsuccessful).isEqualTo("1");
    List<WorkflowInstance> children = children("fan-1");
    assertThat(children).hasSize(3);
    WorkflowInstance failedChild =
        children.stream()
            .filter(c -> c.getStatus().phase == InstancePhase.Failed)
            .findFirst()
            .orElseThrow();

    // The author fixes the child Workflow, then restarts the parent from Incomplete: the failed
    // iteration's Job, Pod and child (with the child's own Jobs and Pods) are deleted first.
    // (A JSON patch, without resourceVersion: the operator writes the Workflow's status meanwhile.)
    E2E.kubectl(
        "-n",
        NS,
        "patch",
        "workflows.baton.dev",
        "part",
        "--type",
        "json",
        "-p",
        "[{\"op\": \"replace\", \"path\": \"/spec/steps/0/job/env/0/value\", \"value\": \"0\"}]");
    E2E.kubectl(
        "-n",
        NS,
        "patch",
        "workflowinstances.baton.dev",
        "fan-1",
        "--type",
        "merge",
        "-p",
        "{\"spec\":{\"restart\":{\"run\":2}}}");

    WorkflowInstance run2 = E2E.awaitRunFinal(client, NS, "fan-1", 2, Duration.ofSeconds(120));
    assertThat(run2.getStatus().phase)
        .as(run2.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    assertThat(run2.getStatus().steps.get("parts").loop.succeeded).isEqualTo("0-2");
    WorkflowInstance again = E2E.instance(client, NS, failedChild.getMetadata().getName());
    assertThat(again.getMetadata().getUid())
        .as("a new child for the rerun iteration")
        .isNotEqualTo(failedChild.getMetadata().getUid());
    assertThat(again.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    String log = Files.readString(operator.log).substring((int) logStart);
    assertThat(log)
        .as("no API call of the operator was forbidden")
        .doesNotContainIgnoringCase("forbidden");
  }

  static List<WorkflowInstance> children(String parent) {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(NS)
        .withLabel("baton.dev/parent", parent)
        .list()
        .getItems();
  }

  // --- Step pods pass Pod Security "restricted" -------------------------------------------------

  @Test
  void aWorkflowSucceedsInANamespaceEnforcingRestricted() {
    // The namespace does enforce: a plain pod (root, no securityContext) is refused.
    assertThatThrownBy(() ->
            client
                .pods()
                .inNamespace(RESTRICTED)
                .resource(
                    new PodBuilder()
                        .withNewMetadata()
                        .withName("plain")
                        .endMetadata()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("c")
                        .withImage("busybox:1.36")
                        .endContainer()
                        .endSpec()
                        .build())
                .create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity \"restricted:latest\"");

    E2E.apply(
        client,
        RESTRICTED,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: plain
        spec:
          steps:
            - id: a
              job: {image: busybox:1.36, command: [sh, -c, 'echo a']}
            - id: b
              dependsOn: [a]
              job:
                image: busybox:1.36
                command: [sh, -c, 'echo b']
                podTemplate:
                  spec:
                    securityContext: {runAsUser: 1000}
                    initContainers:
                      - {name: init, image: busybox:1.36, command: [sh, -c, 'echo init']}
        """);
    E2E.apply(client, RESTRICTED, Cluster.instanceYaml("plain-1", "plain"));
    WorkflowInstance done = E2E.awaitFinal(client, RESTRICTED, "plain-1", Duration.ofSeconds(120));
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);

    List<Pod> pods =
        client
            .pods()
            .inNamespace(RESTRICTED)
            .withLabel("baton.dev/instance", "plain-1")
            .list()
            .getItems();
    assertThat(pods)
        .hasSize(2)
        .allSatisfy(p -> {
          assertThat(p.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
          assertThat(p.getSpec().getSecurityContext().getSeccompProfile().getType())
              .isEqualTo("RuntimeDefault");
          assertThat(p.getSpec().getAutomountServiceAccountToken()).isFalse();
          assertThat(p.getSpec().getVolumes()).as("no ServiceAccount token volume").isNullOrEmpty();
        });
    assertThat(pods)
        .extracting(p -> p.getSpec().getSecurityContext().getRunAsUser())
        .containsExactlyInAnyOrder(65534L, 1000L);
  }
}
