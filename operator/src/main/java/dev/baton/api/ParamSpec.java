package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One typed workflow param. */
public class ParamSpec {
  public static final String NAME_PATTERN = "^[a-zA-Z_][a-zA-Z0-9_]{0,62}$";

  @JsonPropertyDescription("The name, used as params.<name> in expressions.")
  @Required
  @Pattern(NAME_PATTERN)
  @Size(max = 63)
  public String name;

  @JsonPropertyDescription("string (the default), integer, number, boolean, array or object.")
  public ParamType type;

  @JsonProperty("default")
  @JsonPropertyDescription("The value used when a run does not supply one; must match type.")
  @PreserveUnknownFields
  public JsonNode defaultValue;

  @JsonPropertyDescription("What the param means, for people.")
  @Size(max = 1024)
  public String description;

  public ParamType typeOrDefault() {
    return type == null ? ParamType.STRING : type;
  }
}
