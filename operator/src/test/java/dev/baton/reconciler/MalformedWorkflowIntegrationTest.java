package dev.baton.reconciler;

import static dev.baton.testing.Cluster.instanceYaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Workflow whose loop body is malformed (inner steps are untyped in the CRD's schema, so the API
 * server accepts it) must not stop the operator: it is reported in the Workflow's Valid condition,
 * and every other workflow keeps running. The mock server does not validate schemas, so the objects
 * reach the informers as written, created raw so the typed client cannot refuse them.
 */
@EnableKubernetesMockClient(crud = true)
class MalformedWorkflowIntegrationTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(60);

  static final String MALFORMED =
      """
      apiVersion: baton.dev/v1alpha1
      kind: Workflow
      metadata:
        name: %s
      spec:
        steps:
          - id: days
            type: foreach
            foreach: {over: [{name: day, values: [1, 2]}]}
            steps:
              - {id: a, type: noop}
              - id: load
                type: noop
                dependsOn: a
                retires: {userErrors: 1}
      """;

  static final String GOOD =
      """
      apiVersion: baton.dev/v1alpha1
      kind: Workflow
      metadata:
        name: %s
      spec:
        steps:
          - id: days
            type: foreach
            foreach: {over: [{name: day, values: [1, 2]}]}
            steps:
              - {id: a, job: {image: busybox}}
              - {id: b, type: noop, dependsOn: [a]}
      """;

  Cluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  void createRaw(String yaml) {
    GenericKubernetesResource raw =
        client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
    client
        .genericKubernetesResources("baton.dev/v1alpha1", "Workflow")
        .inNamespace(Cluster.NS)
        .resource(raw)
        .create();
  }

  Condition awaitValid(String name) {
    Workflow wf =
        Cluster.await(
            "Valid condition on " + name,
            () -> cluster.workflow(name),
            w ->
                w != null
                    && w.getStatus() != null
                    && w.getStatus().conditions.stream().anyMatch(c -> c.getType().equals("Valid")),
            WAIT);
    return wf.getStatus().conditions.stream()
        .filter(c -> c.getType().equals("Valid"))
        .findFirst()
        .orElseThrow();
  }

  void assertReported(String name) {
    Condition valid = awaitValid(name);
    assertThat(valid.getStatus()).isEqualTo("False");
    assertThat(valid.getMessage())
        .contains("step \"load\": dependsOn: expected a list of step ids, got a string")
        .contains("step \"load\": unknown field \"retires\" (did you mean \"retry\"?)");
  }

  void assertAGoodWorkflowRuns(String name) {
    cluster.apply(GOOD.formatted(name));
    cluster.apply(instanceYaml(name + "-1", name));
    WorkflowInstance done = cluster.awaitFinal(name + "-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void aMalformedLoopBodyIsReportedAndTheOperatorKeepsRunning() {
    cluster = new Cluster(client).startOperator();
    createRaw(MALFORMED.formatted("typo"));
    assertReported("typo");

    cluster.apply(instanceYaml("typo-1", "typo"));
    WorkflowInstance failed = cluster.awaitFinal("typo-1", WAIT);
    assertThat(failed.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(failed.getStatus().message).contains("dependsOn: expected a list of step ids");

    assertThat(cluster.operator().healthy()).isTrue();
    assertAGoodWorkflowRuns("fine");
    assertThat(cluster.operator().healthy()).isTrue();
  }

  @Test
  void anOperatorStartedWhileAMalformedWorkflowExistsBecomesReady() {
    cluster = new Cluster(client);
    createRaw(MALFORMED.formatted("there-before"));
    cluster.startOperator();
    assertThat(cluster.operator().started()).isTrue();
    assertThat(cluster.operator().healthy()).isTrue();
    assertReported("there-before");
    assertAGoodWorkflowRuns("fine-after-start");
  }
}
