/**
 * Signal triggers, the Kubernetes side ({@link dev.baton.signaltriggers.SignalTriggerRunner} starts
 * the runs a Signal calls for, exactly once; {@link dev.baton.signaltriggers.SignalTriggerLog}
 * carries their last run and failure to the Workflow's status; {@link
 * dev.baton.signaltriggers.SignalRetention} deletes old Signals). The pure rules (matching, joins,
 * run names, watermarks) are in {@code dev.baton.signals}.
 *
 * <p>At the floor of {@code runs}: depends on {@code api}, {@code signals}, {@code dag} and {@code
 * runtime}; the reconcilers call it.
 */
package dev.baton.signaltriggers;
