/**
 * Validation and the graph. {@link dev.baton.dag.WorkflowCompiler} turns a {@code WorkflowSpec}
 * into a {@link dev.baton.dag.CompiledWorkflow} (steps by index, edges both ways, expressions
 * compiled) or into a list of problems, each naming the step. {@link
 * dev.baton.dag.ParamResolver} checks a run's params against the declared ones.
 *
 * <p>Everything here is pure and cheap to call again. Depends on {@code api} and {@code expr}.
 */
package dev.baton.dag;
