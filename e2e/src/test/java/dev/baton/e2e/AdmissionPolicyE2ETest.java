package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.api.Workflow;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's ValidatingAdmissionPolicy on the real API server, applying Workflows as impersonated
 * users given only Workflow rights (or Workflow rights and pods create) in a namespace of their
 * own: what they describe but could not do themselves is refused with the policy's message.
 */
class AdmissionPolicyE2ETest extends OnCluster {
  static final String NS = "e2e-admission";

  /** May edit Workflows and WorkflowInstances in NS, and nothing else: no pods. */
  static final String AUTHOR = "e2e-workflow-author";

  /** May edit Workflows and create pods in NS. */
  static final String POD_AUTHOR = "e2e-pod-author";

  @BeforeAll
  static void start() {
    open(NS);
    role("workflow-author", AUTHOR, false);
    role("pod-author", POD_AUTHOR, true);
  }

  static void role(String name, String user, boolean pods) {
    var role =
        new RoleBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .addToRules(
                new PolicyRuleBuilder()
                    .withApiGroups("baton.dev")
                    .withResources("workflows", "workflowinstances")
                    .withVerbs("get", "list", "watch", "create", "update", "patch", "delete")
                    .build());
    if (pods)
      role.addToRules(
          new PolicyRuleBuilder()
              .withApiGroups("")
              .withResources("pods")
              .withVerbs("create")
              .build());
    client.rbac().roles().inNamespace(NS).resource(role.build()).createOr(r -> r.update());
    client
        .rbac()
        .roleBindings()
        .inNamespace(NS)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(user)
                .endSubject()
                .build())
        .createOr(r -> r.update());
  }

  /** A client that acts as {@code user} (impersonated by the admin). */
  static KubernetesClient as(String user) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(Config.autoConfigure(null)).withImpersonateUsername(user).build())
        .build();
  }

  // --- The admission policy ---------------------------------------------------------------------

  static String workflow(String name, String stepJson) {
    return """
    {"apiVersion": "baton.dev/v1alpha1", "kind": "Workflow", "metadata": {"name": "%s"}, "spec": {"steps": [%s]}}
    """
        .formatted(name, stepJson);
  }

  static String job(String id, String podSpecJson) {
    return """
    {"id": "%s", "job": {"image": "busybox:1.36", "command": ["true"]%s}}
    """
        .formatted(
            id, podSpecJson == null ? "" : ", \"podTemplate\": {\"spec\": " + podSpecJson + "}")
        .strip();
  }

  /** {@code inner} inside {@code depth} nested foreach loops. */
  static String nested(int depth, String inner) {
    String step = inner;
    for (int d = depth; d >= 1; d--) {
      step =
          """
          {"id": "l%d", "type": "foreach", "foreach": {"over": [{"name": "v%d", "expr": "[1]"}]}, "steps": [%s]}
          """
              .formatted(d, d, step)
              .strip();
    }
    return step;
  }

  static void refused(KubernetesClient as, String ns, String json, String message) {
    assertThatThrownBy(() -> E2E.apply(as, ns, json))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("ValidatingAdmissionPolicy 'baton-workflows'")
        .hasMessageContaining(message);
  }

  @Test
  void theAdmissionPolicyRefusesWhatTheAuthorCouldNotDoThemselves() {
    try (KubernetesClient author = as(AUTHOR);
        KubernetesClient podAuthor = as(POD_AUTHOR)) {
      String privileged =
          "{\"containers\": [{\"name\": \"main\", \"securityContext\": {\"privileged\": true}}]}";
      // A user with Workflow rights only: anything that runs a pod is refused, host access first.
      refused(author, NS, workflow("priv", job("a", privileged)), "has a privileged container");
      refused(
          author,
          NS,
          workflow(
              "hostpath",
              job("a", "{\"volumes\": [{\"name\": \"h\", \"hostPath\": {\"path\": \"/\"}}]}")),
          "mounts a hostPath volume");
      refused(
          author,
          NS,
          workflow("hostnet", job("a", "{\"hostNetwork\": true}")),
          "sets hostNetwork, hostPID or hostIPC");
      refused(
          author,
          NS,
          workflow("nodename", job("a", "{\"nodeName\": \"kwok-node-0\"}")),
          "sets nodeName");
      refused(
          author,
          NS,
          workflow("plain", job("a", null)),
          AUTHOR + " may not create pods in namespace " + NS);
      refused(
          author,
          NS,
          workflow("nested-plain", nested(3, job("a", null))),
          AUTHOR + " may not create pods in namespace " + NS);
      // ... while a Workflow that runs no pod is theirs to make.
      E2E.apply(
          author,
          NS,
          workflow("no-pods", "{\"id\": \"wait\", \"type\": \"sleep\", \"sleep\": \"1s\"}"));

      // A user who may create pods: plain job steps pass, at any depth; host access does not.
      E2E.apply(podAuthor, NS, workflow("plain", job("a", null)));
      E2E.apply(podAuthor, NS, workflow("deep-plain", nested(10, job("deep", null))));
      refused(
          podAuthor,
          NS,
          workflow("nested-priv", nested(2, job("a", privileged))),
          "has a privileged container");
      refused(
          podAuthor,
          NS,
          workflow("deep-priv", nested(10, job("deep", privileged))),
          "has a privileged container");
      refused(
          podAuthor,
          NS,
          workflow(
              "init-priv",
              job(
                  "a",
                  "{\"initContainers\": [{\"name\": \"i\", \"image\": \"x\", \"securityContext\": {\"privileged\": true}}]}")),
          "has a privileged container");
      refused(
          podAuthor,
          NS,
          workflow("too-deep", nested(11, job("deep", null))),
          "steps nest deeper than 10 loops");
      // An update that adds host access is refused too; the stored Workflow stays as it was.
      assertThatThrownBy(() ->
              podAuthor
                  .resources(Workflow.class)
                  .inNamespace(NS)
                  .withName("plain")
                  .edit(w -> {
                    w.getSpec().steps.getFirst().job.podTemplate =
                        new com.fasterxml.jackson.databind.ObjectMapper()
                            .valueToTree(
                                java.util.Map.of("spec", java.util.Map.of("hostPID", true)));
                    return w;
                  }))
          .isInstanceOf(KubernetesClientException.class)
          .hasMessageContaining("sets hostNetwork, hostPID or hostIPC");
      assertThat(
              client
                  .resources(Workflow.class)
                  .inNamespace(NS)
                  .withName("plain")
                  .get()
                  .getSpec()
                  .steps
                  .getFirst()
                  .job
                  .podTemplate)
          .isNull();
      // "baton" in another namespace is another ServiceAccount than the operator's.
      E2E.apply(
          podAuthor,
          NS,
          workflow(
              "other-sa",
              "{\"id\": \"a\", \"job\": {\"image\": \"busybox:1.36\", \"serviceAccountName\": \"baton\"}}"));
    }
    // The operator's own ServiceAccount, in the release namespace: refused even to an admin.
    refused(
        client,
        E2E.LEASE_NAMESPACE,
        workflow(
            "as-operator",
            "{\"id\": \"a\", \"job\": {\"image\": \"busybox:1.36\", \"serviceAccountName\": \"baton\"}}"),
        "runs as the operator's own ServiceAccount " + E2E.LEASE_NAMESPACE + "/baton");
    refused(
        client,
        E2E.LEASE_NAMESPACE,
        workflow("as-operator", nested(4, job("a", "{\"serviceAccountName\": \"baton\"}"))),
        "runs as the operator's own ServiceAccount");
  }
}
