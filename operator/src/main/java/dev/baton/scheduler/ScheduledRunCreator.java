package dev.baton.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.ScheduleTrigger;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.runtime.Labels;
import dev.baton.triggers.ScheduledRuns;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Creates the WorkflowInstance of one scheduled time, under its deterministic name. A create that
 * meets AlreadyExists is the same run created before (by this process or another, before a crash or
 * a hand-over) when the instance found carries this schedule's labels for this time and runs this
 * Workflow; anything else under the name is a conflict, never taken for the run.
 */
final class ScheduledRunCreator {
  /** The param that receives the scheduled time, when the Workflow declares it. */
  static final String SCHEDULED_TIME_PARAM = "scheduledTime";

  sealed interface Result {
    /** The run exists: created now, or found as created before. */
    record Created(String name, boolean existed) implements Result {}

    /** Another object holds the name; the time cannot get its run. */
    record Conflict(String message) implements Result {}

    /** The API server did not create it (unreachable, refused); try again later. */
    record Failed(String message) implements Result {}
  }

  private final KubernetesClient client;

  ScheduledRunCreator(KubernetesClient client) {
    this.client = client;
  }

  Result create(Workflow workflow, ScheduleTrigger schedule, ZoneId zone, Instant time) {
    WorkflowInstance run = build(workflow, schedule, zone, time);
    String name = run.getMetadata().getName();
    String ns = workflow.getMetadata().getNamespace();
    try {
      for (int attempt = 0; attempt < 2; attempt++) {
        try {
          client.resources(WorkflowInstance.class).inNamespace(ns).resource(run).create();
          return new Result.Created(name, false);
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) throw e;
        }
        WorkflowInstance found =
            client.resources(WorkflowInstance.class).inNamespace(ns).withName(name).get();
        if (found == null) continue; // deleted in between: create again
        if (isRunOf(found, workflow, schedule, time)) return new Result.Created(name, true);
        return new Result.Conflict(
            "WorkflowInstance "
                + name
                + " exists and is not this schedule's run of "
                + time
                + " (its labels "
                + Labels.TRIGGER
                + " and "
                + Labels.SCHEDULED_TIME
                + ", or its workflow, differ)");
      }
      return new Result.Failed("WorkflowInstance " + name + " was deleted while being created");
    } catch (KubernetesClientException e) {
      String why =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage()
              : e.getMessage();
      return new Result.Failed(
          "could not create WorkflowInstance " + name + " (HTTP " + e.getCode() + "): " + why);
    } catch (RuntimeException e) {
      return new Result.Failed("could not create WorkflowInstance " + name + ": " + e);
    }
  }

  static boolean isRunOf(
      WorkflowInstance found, Workflow workflow, ScheduleTrigger schedule, Instant time) {
    Map<String, String> labels = found.getMetadata().getLabels();
    return labels != null
        && schedule.name.equals(labels.get(Labels.TRIGGER))
        && ScheduledRuns.label(time).equals(labels.get(Labels.SCHEDULED_TIME))
        && found.getSpec() != null
        && Objects.equals(workflow.getMetadata().getName(), found.getSpec().workflow);
  }

  static WorkflowInstance build(
      Workflow workflow, ScheduleTrigger schedule, ZoneId zone, Instant time) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.TRIGGER, schedule.name);
    labels.put(Labels.SCHEDULED_TIME, ScheduledRuns.label(time));
    WorkflowInstance run = new WorkflowInstance();
    run.setMetadata(
        new ObjectMetaBuilder()
            .withName(
                ScheduledRuns.instanceName(workflow.getMetadata().getName(), schedule.name, time))
            .withNamespace(workflow.getMetadata().getNamespace())
            .withLabels(labels)
            .build());
    WorkflowInstanceSpec spec = new WorkflowInstanceSpec();
    spec.workflow = workflow.getMetadata().getName();
    Map<String, JsonNode> params = new LinkedHashMap<>();
    if (schedule.params != null) params.putAll(schedule.params);
    if (declaresScheduledTime(workflow)) {
      params.put(
          SCHEDULED_TIME_PARAM,
          JsonNodeFactory.instance.textNode(ScheduledRuns.rfc3339(time, zone)));
    }
    spec.params = params.isEmpty() ? null : params;
    run.setSpec(spec);
    return run;
  }

  private static boolean declaresScheduledTime(Workflow workflow) {
    return workflow.getSpec() != null
        && workflow.getSpec().params != null
        && workflow.getSpec().params.stream()
            .anyMatch(p -> p != null && SCHEDULED_TIME_PARAM.equals(p.name));
  }
}
