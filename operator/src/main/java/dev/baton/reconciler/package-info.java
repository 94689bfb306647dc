/**
 * Thin JOSDK wiring. {@link dev.baton.reconciler.WorkflowReconciler} validates definitions and
 * reports the result as the Valid condition. {@link
 * dev.baton.reconciler.WorkflowInstanceReconciler} starts or resumes a run's actor and forwards
 * what the Job, Pod and child-instance informers see as engine events; it never writes status itself, the
 * runtime's StatusWriter does.
 *
 * <p>Depends on every package before it: {@code api}, {@code dag}, {@code flow}, {@code runtime}.
 */
package dev.baton.reconciler;
