package dev.baton.dag;

import java.util.List;

/** A definition or a run's params that cannot be run; {@link #problems()} names each problem. */
public class InvalidDefinitionException extends Exception {
  private final List<String> problems;

  public InvalidDefinitionException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
