/**
 * Runs a Workflow's schedules: {@link dev.baton.scheduler.ScheduleDriver} creates the runs of due
 * times (ScheduledRunCreator, under deterministic names, AlreadyExists verified) and reports each
 * schedule on the Workflow's status. Called by the Workflow reconciler. Depends on {@code api},
 * {@code triggers} and {@code runtime} (labels, events).
 */
package dev.baton.scheduler;
