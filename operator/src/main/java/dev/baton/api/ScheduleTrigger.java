package dev.baton.api;

/** A cron schedule that starts runs. */
public class ScheduleTrigger {}
