package dev.baton.dag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.ParamSpec;
import dev.baton.api.ParamType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Merges a run's params over the declared defaults, checking names and types. */
public final class ParamResolver {
  private ParamResolver() {}

  public static Map<String, JsonNode> resolve(List<ParamSpec> declared, Map<String, JsonNode> supplied)
      throws InvalidDefinitionException {
    List<String> problems = new ArrayList<>();
    Map<String, JsonNode> resolved = new LinkedHashMap<>();
    Map<String, ParamSpec> byName = new LinkedHashMap<>();
    for (ParamSpec p : declared) byName.put(p.name, p);
    if (supplied != null) {
      for (var e : supplied.entrySet()) {
        if (!byName.containsKey(e.getKey())) {
          problems.add(
              "spec.params." + e.getKey() + ": the workflow has no such param"
                  + (byName.isEmpty() ? "" : " (it has " + String.join(", ", byName.keySet()) + ")"));
        }
      }
    }
    for (ParamSpec p : byName.values()) {
      JsonNode value = supplied == null ? null : supplied.get(p.name);
      if (value == null || value.isNull()) {
        value = p.defaultValue;
      }
      if (value == null || value.isNull()) {
        problems.add("spec.params." + p.name + ": required, and the workflow gives no default");
      } else if (!matches(p.typeOrDefault(), value)) {
        problems.add(
            "spec.params." + p.name + ": " + value + " is not of type " + p.typeOrDefault().wireName());
      } else {
        resolved.put(p.name, normalize(p.typeOrDefault(), value));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidDefinitionException(problems);
    }
    return resolved;
  }

  /** An integer written as 5.0 becomes 5, so that expressions see an int, not a double. */
  private static JsonNode normalize(ParamType type, JsonNode value) {
    if (type == ParamType.INTEGER && !value.isIntegralNumber()) {
      return JsonNodeFactory.instance.numberNode(value.decimalValue().toBigInteger());
    }
    return value;
  }

  public static boolean matches(ParamType type, JsonNode value) {
    return switch (type) {
      case STRING -> value.isTextual();
      case INTEGER ->
          value.isIntegralNumber()
              || (value.isNumber()
                  && Double.isFinite(value.doubleValue())
                  && value.doubleValue() == Math.rint(value.doubleValue()));
      case NUMBER -> value.isNumber();
      case BOOLEAN -> value.isBoolean();
      case ARRAY -> value.isArray();
      case OBJECT -> value.isObject();
    };
  }
}
