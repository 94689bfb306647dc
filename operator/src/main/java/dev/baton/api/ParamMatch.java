package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * One condition on a signal's param. Two numbers compare as numbers; anything else compares as text
 * (so ISO dates order as dates). A signal without the param does not match.
 */
public class ParamMatch {
  @JsonPropertyDescription("The signal param's name.")
  @Required
  @Size(max = 253)
  public String param;

  @JsonPropertyDescription("=, !=, <, <=, > or >=. Default =.")
  public MatchOp op;

  @JsonPropertyDescription(
      "The value to compare with: a string, number or boolean. A string may hold ${...}"
          + " expressions, rendered where the selector is used (a signal step's params and steps).")
  @Required
  @PreserveUnknownFields
  public JsonNode value;

  public MatchOp opOrDefault() {
    return op == null ? MatchOp.EQ : op;
  }
}
