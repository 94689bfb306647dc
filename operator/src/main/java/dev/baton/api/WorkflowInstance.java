package dev.baton.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One run of a Workflow. The operator owns its status; users write only its spec. */
@Group(Workflow.GROUP)
@Version(Workflow.VERSION)
@ShortNames("bwi")
@AdditionalPrinterColumn(
    name = "Workflow",
    jsonPath = ".spec.workflow",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Progress",
    jsonPath = ".status.progress",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Rollup",
    jsonPath = ".status.rollup.progress",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Run",
    jsonPath = ".status.run",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.message",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "self.metadata.name.size() <= " + WorkflowInstance.MAX_NAME_LENGTH,
    message =
        "a WorkflowInstance name may be at most 63 characters: it is the value of the"
            + " baton.dev/instance label on its Jobs and Pods (and of baton.dev/parent on its children)")
public class WorkflowInstance extends CustomResource<WorkflowInstanceSpec, WorkflowInstanceStatus>
    implements Namespaced {
  /**
   * The name is the value of the baton.dev/instance label on the Jobs and Pods of the run (the
   * informers select on it) and of baton.dev/parent on its child instances: a label value, at most
   * 63 characters. Job names take only its first 20 characters (flow.JobNames), so they need no
   * shorter bound.
   */
  public static final int MAX_NAME_LENGTH = 63;
}
