/**
 * The step runtime: Kubernetes Jobs and Pods. {@link dev.baton.runtime.JobFactory} maps a step
 * attempt to a Job, {@link dev.baton.runtime.Observations} maps the Jobs and Pods the informers see
 * back to engine events, {@link dev.baton.runtime.KubernetesRuntime} carries out the engine's
 * commands, and {@link dev.baton.runtime.StatusWriter} writes instance statuses, coalesced and
 * guarded by resourceVersion. Every status Baton writes, a Workflow's too, goes through {@link
 * dev.baton.runtime.StatusReplacer}. {@link dev.baton.runtime.Children} does for subworkflow steps'
 * child instances what JobFactory and Observations do for Jobs.
 *
 * <p>Depends on {@code api}, {@code dag}, {@code flow} and {@code metrics}.
 */
package dev.baton.runtime;
