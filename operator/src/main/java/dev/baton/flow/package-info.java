/**
 * The flow engine: a functional core. Nothing here talks to Kubernetes or reads a clock of its own,
 * so the engine is tested and benchmarked without a cluster.
 *
 * <ul>
 *   <li>{@link dev.baton.flow.InstanceFlow} is the state machine of one run: it takes a {@link
 *       dev.baton.flow.FlowEvent} and returns {@link dev.baton.flow.Command}s (create a Job or a
 *       child instance, delete or stop one, set a timer, write the status).
 *   <li>Its collaborators, package-private, each hold one part of a run: {@code Frame} (a DAG
 *       occurrence's steps and counts), {@code Agenda}, {@code Permits}, {@code Attempts} (an
 *       attempt and its workload: a Job, or a child instance), {@code Loops} and {@code LoopState},
 *       {@code StepRenderer}, {@code SignalSteps}, {@code RetryBudget}, the rules of failures
 *       ({@code FailureRules}), stops and skips ({@code StopRules}) and timers ({@code
 *       TimerRules}), {@code RunHeader} and {@code StatusProjection} (the status), {@code Recovery}
 *       (the state rebuilt after an operator restart), and the values {@code RangeSet}, {@code
 *       Occurrence}, {@code StepOutputs}.
 *   <li>{@link dev.baton.flow.Restarts} is the restart of a finished run, a pure function from
 *       status to status; {@link dev.baton.flow.JobNames} names workloads.
 *   <li>{@link dev.baton.flow.FlowActor} gives each instance a mailbox so its events are handled
 *       one at a time, and {@link dev.baton.flow.FlowEngine} keeps the actors; commands leave
 *       through a {@link dev.baton.flow.CommandSink}.
 * </ul>
 *
 * <p>Depends on {@code api}, {@code expr} and {@code dag}.
 */
package dev.baton.flow;
