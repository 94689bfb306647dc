package dev.baton.dag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.Json;
import dev.baton.api.ParamSpec;
import dev.baton.api.ParamType;
import dev.baton.util.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Merges a run's params over the declared defaults, checking names and types. */
public final class ParamResolver {
  /** One JSON value and nothing after it: "5 6" is not an integer. */
  private static final ObjectReader ONE_VALUE =
      Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * The most a run's params may take, as JSON: 64 KiB. Expressions see them whole, and a foreach
   * may copy one into every iteration's status; the evaluation limits of dev.baton.expr assume
   * inputs of about this size.
   */
  public static final int MAX_PARAMS_BYTES = 64 * 1024;

  private ParamResolver() {}

  /** The size of the params as JSON, in bytes. */
  public static long serializedSize(Map<String, JsonNode> params) {
    if (params == null) return 0;
    var counter =
        new java.io.OutputStream() {
          long count;

          @Override
          public void write(int b) {
            count++;
          }

          @Override
          public void write(byte[] b, int off, int len) {
            count += len;
          }
        };
    try {
      Json.MAPPER.writeValue(counter, params);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("params do not serialize", e);
    }
    return counter.count;
  }

  private static String overLimit(String what, long size) {
    return what + " are " + size + " bytes, over the " + MAX_PARAMS_BYTES / 1024 + " KiB limit";
  }

  /**
   * A child run's params arrive as strings, rendered by the parent, which does not know the child's
   * param types. Turns each into its declared type: integer, number and boolean are parsed, array
   * and object read as JSON, string kept as is. Undeclared names and values that are not strings
   * pass unchanged, for {@link #resolve} to judge.
   */
  public static Map<String, JsonNode> fromStrings(
      List<ParamSpec> declared, Map<String, JsonNode> supplied) throws InvalidDefinitionException {
    if (supplied == null) return null;
    Map<String, ParamType> types = new LinkedHashMap<>();
    for (ParamSpec p : declared) types.put(p.name, p.typeOrDefault());
    List<String> problems = new ArrayList<>();
    Map<String, JsonNode> converted = new LinkedHashMap<>();
    for (var e : supplied.entrySet()) {
      ParamType type = types.get(e.getKey());
      JsonNode value = e.getValue();
      if (type == null || type == ParamType.STRING || value == null || !value.isTextual()) {
        converted.put(e.getKey(), value);
        continue;
      }
      String text = value.textValue();
      String detail = "";
      JsonNode parsed = null;
      try {
        parsed = ONE_VALUE.readTree(text);
      } catch (JsonProcessingException ex) {
        if (type == ParamType.ARRAY || type == ParamType.OBJECT)
          detail = " (" + Text.abbreviate(ex.getOriginalMessage(), 120) + ")";
      }
      if (parsed == null || parsed.isMissingNode() || !matches(type, parsed)) {
        problems.add(
            "spec.params."
                + e.getKey()
                + ": \""
                + Text.abbreviate(text, 100)
                + "\" does not parse as "
                + type.wireName()
                + detail);
      } else {
        converted.put(e.getKey(), parsed);
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidDefinitionException(problems);
    }
    return converted;
  }

  /**
   * The run's params: the supplied ones over the declared defaults, checked. Throws when a name or
   * a type is wrong, a required param is missing, or the params (supplied, or with the defaults)
   * are more than {@link #MAX_PARAMS_BYTES} as JSON.
   */
  public static Map<String, JsonNode> resolve(
      List<ParamSpec> declared, Map<String, JsonNode> supplied) throws InvalidDefinitionException {
    long suppliedSize = serializedSize(supplied);
    if (suppliedSize > MAX_PARAMS_BYTES) {
      throw new InvalidDefinitionException(List.of(overLimit("spec.params", suppliedSize)));
    }
    List<String> problems = new ArrayList<>();
    Map<String, JsonNode> resolved = new LinkedHashMap<>();
    Map<String, ParamSpec> byName = new LinkedHashMap<>();
    for (ParamSpec p : declared) byName.put(p.name, p);
    if (supplied != null) {
      for (var e : supplied.entrySet()) {
        if (!byName.containsKey(e.getKey())) {
          problems.add(
              "spec.params."
                  + e.getKey()
                  + ": the workflow has no such param"
                  + (byName.isEmpty()
                      ? ""
                      : " (it has " + String.join(", ", byName.keySet()) + ")"));
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
            "spec.params."
                + p.name
                + ": "
                + value
                + " is not of type "
                + p.typeOrDefault().wireName());
      } else {
        resolved.put(p.name, normalize(p.typeOrDefault(), value));
      }
    }
    long resolvedSize = problems.isEmpty() ? serializedSize(resolved) : 0;
    if (resolvedSize > MAX_PARAMS_BYTES) {
      problems.add(overLimit("params with the workflow's defaults", resolvedSize));
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
