package dev.baton.api;

/** How long finished instances of a workflow are kept. */
public class Retention {}
