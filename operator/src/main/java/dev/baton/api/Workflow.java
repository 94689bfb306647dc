package dev.baton.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A workflow definition: a DAG of steps with params, retries, timeouts and failure modes. */
@Group(Workflow.GROUP)
@Version(Workflow.VERSION)
@ShortNames("bwf")
@AdditionalPrinterColumn(
    name = "Valid",
    jsonPath = ".status.conditions[?(@.type==\"Valid\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Steps",
    jsonPath = ".status.stepCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Last Run",
    jsonPath = ".status.lastRun.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Last Success",
    jsonPath = ".status.lastSuccess.endTime",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Last Schedule",
    jsonPath = ".status.lastScheduledTime",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Next Schedule",
    jsonPath = ".status.nextScheduledTime",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Blocked By",
    jsonPath = ".status.blockedBy",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Hash",
    jsonPath = ".status.definitionHash",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class Workflow extends CustomResource<WorkflowSpec, WorkflowStatus> implements Namespaced {
  public static final String GROUP = "baton.dev";
  public static final String VERSION = "v1alpha1";
}
