/**
 * Time triggers, pure: {@link dev.baton.triggers.CronSchedule} (a cron in a time zone and its fire
 * times, daylight saving included), {@link dev.baton.triggers.CatchUp} (which due times run now,
 * under a catch-up policy) and {@link dev.baton.triggers.ScheduledRuns} (the run's name, label,
 * scheduledTime and jitter, each a pure function of the workflow, schedule and time). Testable with
 * a fixed clock; no Kubernetes. Depends on {@code api}, {@code util} and Quartz's CronExpression.
 */
package dev.baton.triggers;
