/**
 * Small helpers every layer shares: shortening text for messages ({@link dev.baton.util.Text}) and
 * stable digests for names and hashes ({@link dev.baton.util.Digests}). Depends on nothing in
 * Baton, so any package may use it.
 */
package dev.baton.util;
