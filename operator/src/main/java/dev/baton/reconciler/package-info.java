/**
 * Thin JOSDK wiring: the two controllers, their informers and indexes, and the hand-over to {@code
 * runs}. {@link dev.baton.reconciler.WorkflowReconciler} validates a Workflow's definition (the
 * Valid condition), aggregates its runs, and writes its status through the runtime's {@link
 * dev.baton.runtime.StatusReplacer}. {@link dev.baton.reconciler.WorkflowInstanceReconciler}
 * gathers an instance's Jobs, Pods and child instances from its informers and hands them to {@link
 * dev.baton.runs.RunDriver}; it writes no status itself. {@link dev.baton.reconciler.Reconcilers}
 * builds both.
 *
 * <p>Depends on {@code api}, {@code dag}, {@code runtime} and {@code runs}; nothing depends on it
 * but the operator's assembly ({@code dev.baton.BatonOperator}).
 */
package dev.baton.reconciler;
