package dev.baton.expr;

/** An expression that does not compile, or failed when evaluated. The message says which. */
public class ExpressionException extends RuntimeException {
  public ExpressionException(String message) {
    super(message);
  }

  public ExpressionException(String message, Throwable cause) {
    super(message, cause);
  }
}
