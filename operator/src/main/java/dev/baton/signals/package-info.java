/**
 * Signals, pure: which signals a {@link dev.baton.api.SignalSelector} matches. Used by signal
 * triggers and signal steps alike. Above {@code api} and {@code expr}, below {@code dag}: no
 * Kubernetes here.
 */
package dev.baton.signals;
