/**
 * CEL, the expression language Kubernetes uses, for step conditions ({@code if}) and for {@code
 * ${...}} interpolation in commands, args, env and step params. Expressions see {@code params} (the
 * run's params, with the step's own params over them), {@code steps} (each upstream step's state,
 * attempt, exitCode and outputs), and inside loops {@code loop} (loop.index and the foreach loop
 * params) and, in a while loop, {@code last} (the previous iteration's steps). Besides standard CEL
 * there is {@code dates(from, to[, step])} for backfills, and no function that reads the clock: see
 * {@link dev.baton.expr.Dates}.
 *
 * <p>Compiled once per definition and cached by the caller; evaluation is sandboxed (no I/O) and
 * bounded in iterations, cost and the size of every value it makes, so that no expression can take
 * the operator's heap: see {@link dev.baton.expr.Expressions}. Depends on nothing else in Baton.
 */
package dev.baton.expr;
