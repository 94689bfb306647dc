package dev.baton.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalSelectableField;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A fact that happened, with params: {@code table-ready {table: events, date: 2026-01-01}}. Created
 * by anyone with kubectl or an API client, or by Baton for a step's output signals. Its spec is
 * immutable. Signal triggers start runs from it; signal steps wait for it.
 */
@Group(Workflow.GROUP)
@Version(Workflow.VERSION)
@ShortNames("bsig")
@AdditionalSelectableField(jsonPath = ".spec.name")
@AdditionalSelectableField(jsonPath = ".spec.source.workflow")
@AdditionalSelectableField(jsonPath = ".spec.source.instance")
@AdditionalPrinterColumn(
    name = "Signal",
    jsonPath = ".spec.name",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Source",
    jsonPath = ".spec.source.instance",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class Signal extends CustomResource<SignalSpec, SignalStatus> implements Namespaced {}
