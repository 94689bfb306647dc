package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a signal's param is compared with a value. */
public enum MatchOp {
  @JsonProperty("=")
  EQ("="),
  @JsonProperty("!=")
  NE("!="),
  @JsonProperty("<")
  LT("<"),
  @JsonProperty("<=")
  LE("<="),
  @JsonProperty(">")
  GT(">"),
  @JsonProperty(">=")
  GE(">=");

  private final String symbol;

  MatchOp(String symbol) {
    this.symbol = symbol;
  }

  public String symbol() {
    return symbol;
  }

  /** Whether {@code cmp}, a comparison's sign (param against value), satisfies this operator. */
  public boolean holds(int cmp) {
    return switch (this) {
      case EQ -> cmp == 0;
      case NE -> cmp != 0;
      case LT -> cmp < 0;
      case LE -> cmp <= 0;
      case GT -> cmp > 0;
      case GE -> cmp >= 0;
    };
  }
}
