/**
 * Validation and the graph. {@link dev.baton.dag.WorkflowCompiler} turns a {@code WorkflowSpec}
 * into a {@link dev.baton.dag.CompiledWorkflow} (steps by index, edges both ways, expressions
 * compiled) or into an {@link dev.baton.dag.InvalidDefinitionException} listing every problem, each
 * naming the step, param or spec field. The compiler is a recipe over parts with one job each:
 *
 * <ul>
 *   <li>{@code Problems} collects the problems, each said where it is;
 *   <li>{@code StepTree} surveys the ids of every step, at every level, within the {@link
 *       dev.baton.dag.Limits};
 *   <li>{@code StepList} reads one list's dependsOn into edges and orders it;
 *   <li>{@code StepTypes} checks the fields each type of step needs, and {@code Fields} reads
 *       durations and compiles templates;
 *   <li>{@code Visibility} and {@code References} say which steps, loop params and previous
 *       iteration an expression may read, and check that it reads no other;
 *   <li>{@code Suggestions} offers the closest known name for an unknown one;
 *   <li>{@code Level} indexes the checked lists into the compiled workflow.
 * </ul>
 *
 * <p>{@link dev.baton.dag.StepGraph} holds the graph algorithms (order, cycles, ancestors and
 * downstream), which the flow engine uses too. {@link dev.baton.dag.SubworkflowCycles} finds
 * Workflows that call themselves through subworkflow steps, {@link dev.baton.dag.ParamResolver}
 * checks a run's params against the declared ones, {@code ScheduleChecks} checks the schedules of
 * spec.triggers (cron, time zone, durations, their runs' params), and {@link
 * dev.baton.dag.DefinitionCache} keeps one compiled workflow per definition hash.
 *
 * <p>Everything here is pure and cheap to call again, but for the cache. Depends on {@code api},
 * {@code expr} and {@code triggers}.
 */
package dev.baton.dag;
