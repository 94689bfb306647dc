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

  public Object evaluate(Scope scope) {
    try {
      return program.eval(scope.asVariables());
    } catch (CelEvaluationException e) {
      throw new ExpressionException("'" + source + "': " + e.getMessage(), e);
    }
  }

  /** Evaluates a condition; anything but a boolean is an error. */
  public boolean test(Scope scope) {
    Object value = evaluate(scope);
    if (value instanceof Boolean b) {
      return b;
    }
    throw new ExpressionException(
        "'" + source + "' gave " + Values.render(value) + ", not true or false");
  }
}
