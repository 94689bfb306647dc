package dev.baton.expr;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;

/** A compiled CEL expression. Thread-safe. */
public final class Expression {
  private final String source;
  private final CelRuntime.Program program;

  Expression(String source, CelRuntime.Program program) {
    this.source = source;
    this.program = program;
  }

  public String source() {
    return source;
  }

  /**
   * Evaluates within the limits of {@link Expressions}: past one, throws an {@link
   * ExpressionException} that names the limit, and nothing of the evaluation is kept.
   */
  public Object evaluate(Scope scope) {
    Budget budget = Expressions.budget();
    Object value;
    try {
      value = program.trace(scope.asVariables(), budget);
    } catch (CelEvaluationException e) {
      if (budget.exceeded() != null) throw overLimit(budget.exceeded(), e);
      throw new ExpressionException("'" + source + "': " + e.getMessage(), e);
    }
    // Inside || and && CEL turns an error into a value that the other side may override.
    if (budget.exceeded() != null) throw overLimit(budget.exceeded(), null);
    // One value can be shared many times over (a list of the same long param, 100,000 times):
    // small to hold, huge once rendered as text.
    if (Values.renderedLengthOver(value, Expressions.MAX_RESULT)) {
      throw overLimit("gave a result of over " + Expressions.MAX_RESULT + " characters", null);
    }
    return value;
  }

  private ExpressionException overLimit(String why, Throwable cause) {
    return new ExpressionException("'" + source + "' " + why, cause);
  }

  /** Evaluates a condition; anything but a boolean is an error. */
  public boolean test(Scope scope) {
    Object value = evaluate(scope);
    if (value instanceof Boolean b) {
      return b;
    }
    throw new ExpressionException(
        "'" + source + "' gave " + Values.describe(value, 200) + ", not true or false");
  }
}
