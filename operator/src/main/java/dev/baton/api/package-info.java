/**
 * The custom resource model: {@link dev.baton.api.Workflow} (a definition) and {@link
 * dev.baton.api.WorkflowInstance} (one run of it), group {@code baton.dev}, version {@code
 * v1alpha1}.
 *
 * <p>The CRDs under {@code crds/} are generated from these classes. Spec classes are plain data
 * holders whose public fields mirror the CRD one to one; admission-time checks live here as schema
 * annotations and CEL validation rules, everything that needs the whole graph lives in {@code
 * dev.baton.dag}. Depends on nothing else in Baton but {@code util}.
 */
package dev.baton.api;
