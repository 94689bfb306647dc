/**
 * CEL, the expression language Kubernetes uses, for step conditions ({@code if}) and for {@code
 * ${...}} interpolation in commands, args, env and step params. Expressions see two variables:
 * {@code params} (the run's params, with the step's own params over them) and {@code steps}
 * (each upstream step's state, attempt, exitCode and outputs).
 *
 * <p>Compiled once per definition and cached by the caller; evaluation is sandboxed (no I/O, a
 * bound on comprehension iterations). Depends on nothing else in Baton.
 */
package dev.baton.expr;
