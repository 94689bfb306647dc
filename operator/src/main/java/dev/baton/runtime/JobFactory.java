package dev.baton.runtime;

import dev.baton.api.JobTemplate;
import dev.baton.api.Json;
import dev.baton.api.WorkflowInstance;
import dev.baton.flow.Command.CreateJob;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps one step attempt to its Job. Retries belong to the engine, so the Job never retries
 * (backoffLimit 0, restartPolicy Never); the step timeout, or the time the run has left if that is
 * shorter, becomes activeDeadlineSeconds as a backstop to the engine's own timers.
 */
public final class JobFactory {
  private final Duration ttlAfterFinished;

  /**
   * @param ttlAfterFinished how long finished Jobs stay, or null to keep them
   */
  public JobFactory(Duration ttlAfterFinished) {
    this.ttlAfterFinished = ttlAfterFinished;
  }

  public Job build(WorkflowInstance instance, CreateJob c) {
    return build(instance, c, c.decidedAt() != null ? c.decidedAt() : java.time.Instant.now());
  }

  /**
   * @param now the time of the create: the run's deadline is counted from it
   */
  public Job build(WorkflowInstance instance, CreateJob c, java.time.Instant now) {
    Map<String, String> labels = new HashMap<>();
    labels.put(Labels.INSTANCE, instance.getMetadata().getName());
    labels.put(Labels.STEP, Labels.stepLabel(c.stepId()));
    labels.put(Labels.ATTEMPT, Integer.toString(c.attempt()));
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);

    PodTemplateSpec pod = podTemplate(c.template());
    ObjectMeta podMeta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
    Map<String, String> podLabels =
        podMeta.getLabels() == null ? new HashMap<>() : new HashMap<>(podMeta.getLabels());
    podLabels.putAll(labels);
    podMeta.setLabels(podLabels);
    Map<String, String> podAnnotations =
        podMeta.getAnnotations() == null
            ? new HashMap<>()
            : new HashMap<>(podMeta.getAnnotations());
    podAnnotations.put(Labels.STEP_PATH, c.stepId());
    podMeta.setAnnotations(podAnnotations);
    pod.setMetadata(podMeta);

    PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
    pod.setSpec(spec);
    spec.setRestartPolicy("Never");
    List<Container> containers =
        spec.getContainers() == null ? new ArrayList<>() : new ArrayList<>(spec.getContainers());
    if (containers.isEmpty()) containers.add(new Container());
    spec.setContainers(containers);
    Container main = containers.getFirst();
    if (main.getName() == null) main.setName(Labels.MAIN_CONTAINER);
    JobTemplate t = c.template();
    if (t.image != null) main.setImage(t.image);
    if (c.command() != null) main.setCommand(c.command());
    if (c.args() != null) main.setArgs(c.args());
    if (t.resources != null) main.setResources(t.resources);
    if (t.serviceAccountName != null) spec.setServiceAccountName(t.serviceAccountName);
    if (t.nodeSelector != null) spec.setNodeSelector(t.nodeSelector);
    if (t.tolerations != null) spec.setTolerations(t.tolerations);
    main.setEnv(env(instance, c, main.getEnv()));
    secureDefaults(spec);

    var job =
        new JobBuilder()
            .withNewMetadata()
            .withName(c.jobName())
            .withNamespace(instance.getMetadata().getNamespace())
            .withLabels(labels)
            .addToAnnotations(Labels.WORKFLOW_ANNOTATION, instance.getSpec().workflow)
            .addToAnnotations(Labels.STEP_PATH, c.stepId())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(instance.getApiVersion())
                    .withKind(instance.getKind())
                    .withName(instance.getMetadata().getName())
                    .withUid(instance.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withTemplate(pod)
            .endSpec()
            .build();
    Duration deadline = c.timeout();
    if (c.runDeadline() != null) {
      // A backstop in the cluster for the workflow timeout (and for a stop or a failure whose
      // deletes were lost): the Job may run no longer than the run has left.
      Duration left = Duration.between(now, c.runDeadline());
      if (deadline == null || left.compareTo(deadline) < 0) deadline = left;
    }
    if (deadline != null) {
      job.getSpec().setActiveDeadlineSeconds(Math.max(1, (deadline.toMillis() + 999) / 1000));
    }
    if (ttlAfterFinished != null) {
      job.getSpec()
          .setTtlSecondsAfterFinished(
              (int) Math.min(Integer.MAX_VALUE, ttlAfterFinished.toSeconds()));
    }
    return job;
  }

  /** The user and group a step runs as when its podTemplate names none: "nobody". */
  public static final long DEFAULT_RUN_AS = 65534L;

  /**
   * Lays the Pod Security "restricted" profile under the step's own settings: each field below is
   * set only where the podTemplate (or the step's fields) leaves it unset, so whatever the step
   * says wins, field by field. At pod level (spec.securityContext): runAsNonRoot true (not when the
   * pod or a container sets runAsUser 0, which the kubelet would then refuse), runAsUser and
   * runAsGroup 65534 (images such as busybox default to root, which runAsNonRoot alone would make
   * the kubelet refuse), seccompProfile RuntimeDefault. In each container and init container's
   * securityContext: allowPrivilegeEscalation false (not for a privileged container, where the API
   * refuses it), capabilities.drop [ALL]. A container's own runAsUser or runAsNonRoot overrides the
   * pod's, as in Kubernetes. And automountServiceAccountToken false, unless the step names a
   * ServiceAccount (job.serviceAccountName, or serviceAccountName in the podTemplate).
   */
  static void secureDefaults(PodSpec spec) {
    PodSecurityContext psc =
        spec.getSecurityContext() == null ? new PodSecurityContext() : spec.getSecurityContext();
    spec.setSecurityContext(psc);
    List<Container> all = new ArrayList<>(spec.getContainers());
    if (spec.getInitContainers() != null) all.addAll(spec.getInitContainers());
    boolean root =
        Long.valueOf(0).equals(psc.getRunAsUser())
            || all.stream()
                .anyMatch(c ->
                    c.getSecurityContext() != null
                        && Long.valueOf(0).equals(c.getSecurityContext().getRunAsUser()));
    if (psc.getRunAsNonRoot() == null && !root) psc.setRunAsNonRoot(true);
    if (psc.getRunAsUser() == null) psc.setRunAsUser(DEFAULT_RUN_AS);
    if (psc.getRunAsGroup() == null) psc.setRunAsGroup(DEFAULT_RUN_AS);
    if (psc.getSeccompProfile() == null)
      psc.setSeccompProfile(new SeccompProfileBuilder().withType("RuntimeDefault").build());
    for (Container c : all) {
      SecurityContext sc =
          c.getSecurityContext() == null ? new SecurityContext() : c.getSecurityContext();
      c.setSecurityContext(sc);
      if (sc.getAllowPrivilegeEscalation() == null && !Boolean.TRUE.equals(sc.getPrivileged()))
        sc.setAllowPrivilegeEscalation(false);
      if (sc.getCapabilities() == null) sc.setCapabilities(new Capabilities());
      if (sc.getCapabilities().getDrop() == null || sc.getCapabilities().getDrop().isEmpty())
        sc.getCapabilities().setDrop(List.of("ALL"));
    }
    boolean namesAccount =
        (spec.getServiceAccountName() != null && !spec.getServiceAccountName().isEmpty())
            || (spec.getServiceAccount() != null && !spec.getServiceAccount().isEmpty());
    if (spec.getAutomountServiceAccountToken() == null && !namesAccount)
      spec.setAutomountServiceAccountToken(false);
  }

  private static PodTemplateSpec podTemplate(JobTemplate t) {
    return t.podTemplate == null || t.podTemplate.isNull()
        ? new PodTemplateSpec()
        : Json.fromTree(t.podTemplate, PodTemplateSpec.class);
  }

  /** The template's own env, then the step's (rendered), then Baton's: later names win. */
  private static List<EnvVar> env(
      WorkflowInstance instance, CreateJob c, List<EnvVar> fromTemplate) {
    Map<String, EnvVar> byName = new java.util.LinkedHashMap<>();
    if (fromTemplate != null) fromTemplate.forEach(e -> byName.put(e.getName(), e));
    if (c.env() != null) c.env().forEach(e -> byName.put(e.getName(), e));
    put(byName, "BATON_INSTANCE", instance.getMetadata().getName());
    put(byName, "BATON_WORKFLOW", instance.getSpec().workflow);
    put(byName, "BATON_STEP", c.stepId());
    put(byName, "BATON_ATTEMPT", Integer.toString(c.attempt()));
    if (c.params() != null) {
      c.params().forEach((k, v) -> put(byName, "BATON_PARAM_" + k.toUpperCase(Locale.ROOT), v));
    }
    return new ArrayList<>(byName.values());
  }

  private static void put(Map<String, EnvVar> env, String name, String value) {
    env.put(name, new EnvVar(name, value, null));
  }
}
