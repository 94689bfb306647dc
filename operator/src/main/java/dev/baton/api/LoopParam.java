package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * One loop param of a foreach: a name and the list it takes its items from, either expr or values
 * (the operator checks that exactly one is set: values is untyped, so schema rules cannot see it).
 */
public class LoopParam {
  @JsonPropertyDescription("The name: loop.<name> inside the loop. 'index' is taken.")
  @Required
  @Pattern(ParamSpec.NAME_PATTERN)
  @Size(max = 63)
  @ValidationRule(value = "self != 'index'", message = "'index' is taken by loop.index")
  public String name;

  @JsonPropertyDescription(
      "A CEL expression that yields a list, over params and the steps before the loop, e.g."
          + " params.regions, or dates(params.from, params.to) for every day from one date to"
          + " another, both included.")
  @Size(max = 4096)
  public String expr;

  @JsonPropertyDescription("The items, written out: a JSON array.")
  @SchemaFrom(type = JsonNode[].class)
  @Size(max = 1000000)
  public JsonNode values;
}
