package dev.baton.api;

/** Starts a run when signals matching it arrive. */
public class SignalTrigger {}
