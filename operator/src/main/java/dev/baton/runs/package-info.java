/**
 * The lifecycle of a run, between the informers and the engine. {@link dev.baton.runs.RunDriver}
 * keeps one instance's run going on each of its reconciles: it starts, resumes or queues it ({@link
 * dev.baton.runs.RunStarter}), applies a restart request ({@link dev.baton.runs.RestartAction}) and
 * tells the run's actor what its Jobs, Pods and children look like. {@link
 * dev.baton.runs.RunAdmission} decides under a Workflow's run strategy when a waiting run may start
 * and wakes the queued ones; the rules themselves are pure functions in {@link
 * dev.baton.runs.RunStrategyRules}. {@link dev.baton.runs.WorkflowRuns} is a Workflow's aggregate
 * view of its runs. {@link dev.baton.runs.Runs} builds these around their shared memory.
 *
 * <p>Depends on {@code api}, {@code dag}, {@code flow} and {@code runtime}, and on JOSDK's event
 * source and cache types only for admission's wake-ups and its view of the informers; never on
 * {@code reconciler}, which calls it.
 */
package dev.baton.runs;
