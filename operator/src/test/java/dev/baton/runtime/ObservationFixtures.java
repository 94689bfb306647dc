package dev.baton.runtime;

import dev.baton.testing.FakeKubelet;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Map;

/**
 * Jobs and Pods of one instance as the API server returns them: every field a real one has that
 * Baton does not read (managed fields, pod spec, container details), so that pruning has something
 * to drop.
 */
public final class ObservationFixtures {
  public static final String INSTANCE_UID = "instance-uid";

  private ObservationFixtures() {}

  public static String path(int i) {
    return "loop." + i + ".work";
  }

  public static Job job(int i, int attempt, String rv, String... trueConditions) {
    return job(path(i), "run-work-" + i + "-" + attempt, attempt, rv, trueConditions);
  }

  /** The Job {@code name} of attempt {@code attempt} of the step at {@code path}. */
  public static Job job(
      String path, String name, int attempt, String rv, String... trueConditions) {
    int i = Math.abs(path.hashCode());
    Map<String, String> labels =
        Map.of(
            Labels.INSTANCE,
            "run",
            Labels.STEP,
            Labels.stepLabel(path),
            Labels.ATTEMPT,
            Integer.toString(attempt),
            Labels.MANAGED_BY,
            Labels.MANAGER);
    var b =
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("ns")
            .withUid("job-" + name)
            .withResourceVersion(rv)
            .withGeneration(1L)
            .withCreationTimestamp("2026-01-01T00:00:00Z")
            .withLabels(labels)
            .withAnnotations(Map.of(Labels.STEP_PATH, path, Labels.WORKFLOW_ANNOTATION, "wf"))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("baton.dev/v1alpha1")
                    .withKind("WorkflowInstance")
                    .withName("run")
                    .withUid(INSTANCE_UID)
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .withFinalizers("batch.kubernetes.io/job-tracking")
            .withManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager("baton")
                    .withOperation("Update")
                    .withApiVersion("batch/v1")
                    .withTime("2026-01-01T00:00:00Z")
                    .build())
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withTtlSecondsAfterFinished(86400)
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .withAnnotations(Map.of(Labels.STEP_PATH, path))
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName(Labels.MAIN_CONTAINER)
            .withImage("registry.example/team/image:1.2.3")
            .withArgs("--shard=" + i, "--day=2026-01-01")
            .addNewEnv()
            .withName("BATON_INSTANCE")
            .withValue("run")
            .endEnv()
            .addNewEnv()
            .withName("BATON_LOOP_INDEX")
            .withValue(Integer.toString(i))
            .endEnv()
            .withNewResources()
            .addToRequests("cpu", new Quantity("100m"))
            .addToRequests("memory", new Quantity("128Mi"))
            .endResources()
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withAllowPrivilegeEscalation(false)
            .endSecurityContext()
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .withNewStatus()
            .withStartTime("2026-01-01T00:00:00Z");
    boolean done = false;
    for (String c : trueConditions) {
      b =
          b.addNewCondition()
              .withType(c)
              .withStatus("True")
              .withReason(c.equals("Failed") ? "BackoffLimitExceeded" : null)
              .withMessage(
                  c.equals("Failed") ? "Job has reached the specified backoff limit" : null)
              .withLastTransitionTime("2026-01-01T00:00:05Z")
              .withLastProbeTime("2026-01-01T00:00:05Z")
              .endCondition();
      done = true;
    }
    return b.withActive(done ? null : 1).withSucceeded(done ? 1 : null).endStatus().build();
  }

  public static Pod pod(Job job, String rv, String phase) {
    var meta = job.getMetadata();
    var b =
        new PodBuilder()
            .withNewMetadata()
            .withName(meta.getName() + "-x7k2p")
            .withNamespace("ns")
            .withUid("pod-" + meta.getUid())
            .withResourceVersion(rv)
            .withCreationTimestamp("2026-01-01T00:00:01Z")
            .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
            .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations())
            .withOwnerReferences(FakeKubelet.controllerRef(job))
            .withManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager("kubelet")
                    .withOperation("Update")
                    .withApiVersion("v1")
                    .withTime("2026-01-01T00:00:01Z")
                    .build())
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec())
            .editSpec()
            .withNodeName("node-1")
            .withServiceAccountName("default")
            .endSpec()
            .withNewStatus()
            .withPhase(phase)
            .withHostIP("10.0.0.1")
            .withPodIP("10.1.0.7")
            .withQosClass("Burstable")
            .withStartTime("2026-01-01T00:00:01Z")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("True")
            .withLastTransitionTime("2026-01-01T00:00:01Z")
            .endCondition()
            .addNewCondition()
            .withType("Ready")
            .withStatus("Running".equals(phase) ? "True" : "False")
            .withLastTransitionTime("2026-01-01T00:00:02Z")
            .endCondition();
    var cs =
        new ContainerStatusBuilder()
            .withName(Labels.MAIN_CONTAINER)
            .withImage("registry.example/team/image:1.2.3")
            .withImageID("registry.example/team/image@sha256:" + "0".repeat(64))
            .withContainerID("containerd://" + "1".repeat(64))
            .withReady("Running".equals(phase))
            .withRestartCount(0)
            .withStarted("Running".equals(phase));
    switch (phase) {
      case "Succeeded" ->
          cs.withNewState()
              .withNewTerminated()
              .withExitCode(0)
              .withReason("Completed")
              .withMessage("{\"rows\": 42}")
              .withStartedAt("2026-01-01T00:00:02Z")
              .withFinishedAt("2026-01-01T00:00:04Z")
              .withContainerID("containerd://" + "1".repeat(64))
              .endTerminated()
              .endState();
      case "Failed" ->
          cs.withNewState()
              .withNewTerminated()
              .withExitCode(3)
              .withReason("Error")
              .withMessage("boom")
              .endTerminated()
              .endState();
      case "Running" ->
          cs.withNewState()
              .withNewRunning()
              .withStartedAt("2026-01-01T00:00:02Z")
              .endRunning()
              .endState();
      default ->
          cs.withNewState()
              .withNewWaiting()
              .withReason("ImagePullBackOff")
              .withMessage("Back-off pulling image")
              .endWaiting()
              .endState();
    }
    return b.withContainerStatuses(cs.build()).endStatus().build();
  }

  /**
   * The pod as Kubernetes marks it before it kills a pod evicted through the API: {@code
   * DisruptionTarget} true.
   */
  public static Pod evictedThroughTheApi(Pod pod) {
    pod.getStatus()
        .setConditions(
            List.of(
                new PodConditionBuilder()
                    .withType("DisruptionTarget")
                    .withStatus("True")
                    .withReason("EvictionByEvictionAPI")
                    .withMessage("Eviction API: evicting")
                    .build()));
    return pod;
  }
}
