package dev.baton.api;

/** What Baton recorded about a signal: filled in by the signal work (triggers, lineage). */
public class SignalStatus {}
