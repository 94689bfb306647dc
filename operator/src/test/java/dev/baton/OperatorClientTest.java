package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.api.WorkflowInstance;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class OperatorClientTest {
  private static final String MANAGED =
      "\"managedFields\":[{\"manager\":\"kwok\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
          + "\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\"f:phase\":{}}}}]";

  private static final String POD =
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\","
          + "\"resourceVersion\":\"7\",\"labels\":{\"baton.dev/instance\":\"run-1\"},"
          + MANAGED
          + "},\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"main\","
          + "\"image\":\"busybox\",\"env\":[{\"name\":\"A\",\"value\":\"b\"}]}]},"
          + "\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":[{\"name\":\"main\","
          + "\"state\":{\"terminated\":{\"exitCode\":3}}}]}}";

  private static final String INSTANCE =
      "{\"apiVersion\":\"baton.dev/v1alpha1\",\"kind\":\"WorkflowInstance\",\"metadata\":{"
          + "\"name\":\"run-1\",\"namespace\":\"ns\","
          + MANAGED
          + "},\"spec\":{\"workflow\":\"wf\"},\"status\":{\"phase\":\"Running\","
          + "\"definition\":{\"steps\":[{\"id\":\"a\"}]},"
          + "\"steps\":{\"a\":{\"state\":\"Running\",\"attempt\":2}}}}";

  private final KubernetesSerialization serialization = OperatorClient.serialization();

  @Test
  void aWatchTheServerEndsIsStartedAgainAfterATenthOfASecondUnlessTheEnvironmentSaysOtherwise() {
    String property =
        io.fabric8.kubernetes.client.Config.KUBERNETES_WATCH_RECONNECT_INTERVAL_SYSTEM_PROPERTY;
    String before = System.getProperty(property);
    try {
      System.clearProperty(property);
      assertEquals(100, OperatorClient.config().getWatchReconnectInterval());
      System.setProperty(property, "2500");
      assertEquals(2500, OperatorClient.config().getWatchReconnectInterval());
    } finally {
      if (before == null) System.clearProperty(property);
      else System.setProperty(property, before);
    }
  }

  @Test
  void watchEventsDecodeWithoutManagedFieldsAndKeepEverythingElse() {
    serialization.registerKubernetesResource(WorkflowInstance.class);
    var event =
        serialization.unmarshal("{\"type\":\"MODIFIED\",\"object\":" + POD + "}", WatchEvent.class);
    Pod pod = (Pod) event.getObject();
    assertTrue(pod.getMetadata().getManagedFields().isEmpty());
    // Skipped, not kept aside as an unknown property (which would be decoded and sent back).
    assertTrue(pod.getMetadata().getAdditionalProperties().isEmpty());
    assertFalse(serialization.asJson(pod).contains("managedFields"));
    assertEquals("run-1", pod.getMetadata().getLabels().get("baton.dev/instance"));
    assertEquals("7", pod.getMetadata().getResourceVersion());
    assertEquals("b", pod.getSpec().getContainers().get(0).getEnv().get(0).getValue());
    assertEquals(
        3, pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode());

    // The same through Fabric8's default serialization, managedFields aside.
    Pod plain = new KubernetesSerialization().unmarshal(POD, Pod.class);
    assertFalse(plain.getMetadata().getManagedFields().isEmpty());
    plain.getMetadata().setManagedFields(pod.getMetadata().getManagedFields());
    assertEquals(plain, pod);
  }

  @Test
  void instancesKeepTheirStatusAndNeverSendManagedFields() {
    WorkflowInstance instance = serialization.unmarshal(INSTANCE, WorkflowInstance.class);
    assertTrue(instance.getMetadata().getManagedFields().isEmpty());
    assertEquals("wf", instance.getSpec().workflow);
    assertEquals(2, instance.getStatus().steps.get("a").attempt.intValue());
    assertEquals("a", instance.getStatus().definition.path("steps").path(0).path("id").asText());

    Pod pod = new KubernetesSerialization().unmarshal(POD, Pod.class);
    String written = serialization.asJson(pod);
    assertFalse(written.contains("managedFields"), written);
    assertTrue(written.contains("\"exitCode\":3"), written);
  }
}
