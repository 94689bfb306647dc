/**
 * Prometheus metrics through Micrometer: what an operator of Baton watches. Depends on nothing else
 * in Baton, so every layer may record into it.
 */
package dev.baton.metrics;
