package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.JobTemplate;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.flow.Command.CreateJob;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Pod Security "restricted" defaults of step pods, and which of the step's settings win. */
class JobFactoryTest {
  private static PodSpec pod(String image, String serviceAccountName, String podTemplateJson)
      throws Exception {
    JobTemplate t = new JobTemplate();
    t.image = image;
    t.serviceAccountName = serviceAccountName;
    if (podTemplateJson != null) t.podTemplate = new ObjectMapper().readTree(podTemplateJson);
    WorkflowInstance instance = new WorkflowInstance();
    instance.setMetadata(
        new ObjectMetaBuilder().withName("run-1").withNamespace("ns").withUid("u1").build());
    instance.setSpec(new WorkflowInstanceSpec());
    instance.getSpec().workflow = "wf";
    CreateJob c =
        new CreateJob(
            "a",
            1,
            "run-1-a-1",
            t,
            List.of("echo"),
            null,
            List.of(),
            Map.of(),
            null,
            Instant.EPOCH,
            null);
    return new JobFactory(null).build(instance, c).getSpec().getTemplate().getSpec();
  }

  @Test
  void aPlainStepGetsTheRestrictedProfileAsNobodyWithoutAToken() throws Exception {
    PodSpec spec = pod("busybox:1.36", null, null);
    var psc = spec.getSecurityContext();
    assertThat(psc.getRunAsNonRoot()).isTrue();
    assertThat(psc.getRunAsUser()).isEqualTo(65534L);
    assertThat(psc.getRunAsGroup()).isEqualTo(65534L);
    assertThat(psc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var sc = spec.getContainers().getFirst().getSecurityContext();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void aNamedServiceAccountKeepsItsToken() throws Exception {
    assertThat(pod("img", "reader", null).getAutomountServiceAccountToken()).isNull();
    assertThat(
            pod("img", null, "{\"spec\":{\"serviceAccountName\":\"reader\"}}")
                .getAutomountServiceAccountToken())
        .isNull();
    // An explicit automountServiceAccountToken in the template wins either way.
    assertThat(
            pod("img", null, "{\"spec\":{\"automountServiceAccountToken\":true}}")
                .getAutomountServiceAccountToken())
        .isTrue();
    assertThat(
            pod("img", "reader", "{\"spec\":{\"automountServiceAccountToken\":false}}")
                .getAutomountServiceAccountToken())
        .isFalse();
  }

  @Test
  void theTemplatesOwnFieldsWinFieldByField() throws Exception {
    PodSpec spec =
        pod(
            "img",
            null,
            """
            {"spec": {
              "securityContext": {"runAsUser": 1000, "seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
              "initContainers": [{"name": "init", "image": "i", "securityContext": {"allowPrivilegeEscalation": true}}],
              "containers": [{"name": "main", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}},
                             {"name": "side", "image": "s", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}]}}
            """);
    var psc = spec.getSecurityContext();
    assertThat(psc.getRunAsUser()).isEqualTo(1000L);
    assertThat(psc.getRunAsGroup()).isEqualTo(65534L);
    assertThat(psc.getRunAsNonRoot()).isTrue();
    assertThat(psc.getSeccompProfile().getType()).isEqualTo("Localhost");
    var main = spec.getContainers().get(0).getSecurityContext();
    assertThat(main.getCapabilities().getAdd()).containsExactly("NET_BIND_SERVICE");
    assertThat(main.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(main.getAllowPrivilegeEscalation()).isFalse();
    assertThat(spec.getContainers().get(1).getSecurityContext().getCapabilities().getDrop())
        .containsExactly("NET_RAW");
    var init = spec.getInitContainers().getFirst().getSecurityContext();
    assertThat(init.getAllowPrivilegeEscalation()).isTrue();
    assertThat(init.getCapabilities().getDrop()).containsExactly("ALL");
  }

  @Test
  void rootAsksForNoRunAsNonRootAndPrivilegedForNoEscalationSetting() throws Exception {
    // runAsNonRoot with uid 0 would make the kubelet refuse the pod; privileged with
    // allowPrivilegeEscalation false is refused by the API.
    PodSpec root = pod("img", null, "{\"spec\":{\"securityContext\":{\"runAsUser\":0}}}");
    assertThat(root.getSecurityContext().getRunAsNonRoot()).isNull();
    assertThat(root.getSecurityContext().getRunAsUser()).isEqualTo(0L);
    PodSpec rootContainer =
        pod(
            "img",
            null,
            "{\"spec\":{\"containers\":[{\"name\":\"main\",\"securityContext\":{\"runAsUser\":0}}]}}");
    assertThat(rootContainer.getSecurityContext().getRunAsNonRoot()).isNull();
    PodSpec privileged =
        pod(
            "img",
            null,
            "{\"spec\":{\"containers\":[{\"name\":\"main\",\"securityContext\":{\"privileged\":true}}]}}");
    assertThat(
            privileged
                .getContainers()
                .getFirst()
                .getSecurityContext()
                .getAllowPrivilegeEscalation())
        .isNull();
    // runAsNonRoot false in the template stays false.
    assertThat(
            pod("img", null, "{\"spec\":{\"securityContext\":{\"runAsNonRoot\":false}}}")
                .getSecurityContext()
                .getRunAsNonRoot())
        .isFalse();
  }
}
