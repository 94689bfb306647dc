/**
 * The flow engine: a functional core. {@link dev.baton.flow.InstanceFlow} is the state machine of
 * one run, read in one file: it takes a {@link dev.baton.flow.FlowEvent} and returns {@link
 * dev.baton.flow.Command}s (create a Job, delete a Job, set a timer, write the status) and does no
 * I/O. {@link dev.baton.flow.FlowActor} gives each instance a mailbox so its events are handled
 * one at a time, and {@link dev.baton.flow.FlowEngine} keeps the actors.
 *
 * <p>Nothing here talks to Kubernetes, so the engine is tested and benchmarked without a cluster.
 * Depends on {@code api}, {@code expr} and {@code dag}.
 */
package dev.baton.flow;
