package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.api.Json;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks raw JSON against a type of Baton's model as strictly as the CRD's schema would, where the
 * schema cannot (inside loop bodies): every field known, every value of the declared kind, no
 * coercion (a string is not a list of one, "3" is not a number, 3 is not a string). Reports every
 * problem, naming the field, and returns what can be read, the offending parts left out, so that
 * the other checks still run and a user fixes a definition in one round.
 *
 * <p>JSON null is taken as absent, as the API server takes it. Values typed as JsonNode take any
 * JSON. Kubernetes quantities and int-or-strings are read by their own deserializers.
 */
final class StrictJson {
  /** Per Java type: its properties by JSON name, as Jackson reads them. */
  private static final Map<JavaType, Map<String, JavaType>> PROPERTIES = new ConcurrentHashMap<>();

  private StrictJson() {}

  /**
   * The part of {@code node} that reads as {@code type}, problems reported to {@code at} under
   * {@code path} (a field path such as {@code retry.backoff}, or "" for the value itself); null
   * when nothing of it does.
   *
   * @param expected what to call the expected value in a problem, or null to describe {@code type}
   */
  static JsonNode check(
      JsonNode node, JavaType type, String path, String expected, Problems.Reporter at) {
    if (node == null || node.isNull() || node.isMissingNode()) return node;
    Class<?> raw = type.getRawClass();
    if (JsonNode.class.isAssignableFrom(raw) || raw == Object.class) return node;
    if (raw == IntOrString.class || raw == Quantity.class)
      return byDeserializer(node, type, path, at);
    String want = expected != null ? expected : describe(type);
    if (raw == String.class) return node.isTextual() ? node : wrong(node, want, path, at);
    if (raw == Boolean.class || raw == boolean.class)
      return node.isBoolean() ? node : wrong(node, want, path, at);
    if (raw == Integer.class || raw == int.class) {
      if (!node.isIntegralNumber()) return wrong(node, want, path, at);
      if (!node.canConvertToInt()) return report(at, path, node + " is too large for " + want);
      return node;
    }
    if (raw == Long.class || raw == long.class) {
      if (!node.isIntegralNumber()) return wrong(node, want, path, at);
      if (!node.canConvertToLong()) return report(at, path, node + " is too large for " + want);
      return node;
    }
    if (Number.class.isAssignableFrom(raw) || raw == double.class || raw == float.class) {
      return node.isNumber() ? node : wrong(node, want, path, at);
    }
    if (raw.isEnum()) {
      List<String> names = enumNames(raw);
      if (!node.isTextual()) return wrong(node, want, path, at);
      if (names.contains(node.asText())) return node;
      return report(
          at,
          path,
          quote(node.asText())
              + " is not one of "
              + String.join(", ", names)
              + Suggestions.didYouMean(node.asText(), java.util.Set.copyOf(names)));
    }
    if (type.isCollectionLikeType() || type.isArrayType()) {
      if (!node.isArray()) return wrong(node, want, path, at);
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < node.size(); i++) {
        JsonNode item = check(node.get(i), type.getContentType(), path + "[" + i + "]", null, at);
        // A bad entry becomes null, not absent, so that the others keep their positions.
        out.add(item == null ? JsonNodeFactory.instance.nullNode() : item);
      }
      return out;
    }
    if (type.isMapLikeType()) {
      if (!node.isObject()) return wrong(node, want, path, at);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        JsonNode value =
            check(e.getValue(), type.getContentType(), join(path, e.getKey()), null, at);
        if (value != null) out.set(e.getKey(), value);
      }
      return out;
    }
    if (!node.isObject()) return wrong(node, want, path, at);
    Map<String, JavaType> known = properties(type);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JavaType fieldType = known.get(e.getKey());
      if (fieldType == null) {
        report(
            at,
            path,
            "unknown field "
                + quote(e.getKey())
                + Suggestions.didYouMeanField(e.getKey(), known.keySet()));
        continue;
      }
      JsonNode value = check(e.getValue(), fieldType, join(path, e.getKey()), null, at);
      if (value != null) out.set(e.getKey(), value);
    }
    return out;
  }

  /** A value Jackson reads with a deserializer of its own: whatever that accepts. */
  private static JsonNode byDeserializer(
      JsonNode node, JavaType type, String path, Problems.Reporter at) {
    try {
      Json.MAPPER.treeToValue(node, type);
      return node;
    } catch (Exception e) {
      return report(at, path, "not " + describe(type) + ": " + firstLine(e.getMessage()));
    }
  }

  private static JsonNode wrong(JsonNode node, String expected, String path, Problems.Reporter at) {
    return report(at, path, "expected " + expected + ", got " + kind(node));
  }

  private static JsonNode report(Problems.Reporter at, String path, String problem) {
    (path.isEmpty() ? at : at.field(path)).add(problem);
    return null;
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  /** How a problem names a JSON value's kind: "a string", "a list", "an object". */
  static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> node.isIntegralNumber() ? "an integer" : "a number";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      default -> node.getNodeType().name().toLowerCase();
    };
  }

  private static String describe(JavaType type) {
    Class<?> raw = type.getRawClass();
    if (raw == String.class) return "a string";
    if (raw == Boolean.class || raw == boolean.class) return "a boolean";
    if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class)
      return "an integer";
    if (Number.class.isAssignableFrom(raw) || raw == double.class || raw == float.class)
      return "a number";
    if (raw == Quantity.class) return "a quantity such as 500m or 1Gi";
    if (raw == IntOrString.class) return "an integer or a string";
    if (raw.isEnum()) return "one of " + String.join(", ", enumNames(raw));
    if (type.isCollectionLikeType() || type.isArrayType())
      return "a list of " + plural(type.getContentType());
    if (type.isMapLikeType()) return "a map of " + plural(type.getContentType());
    return "an object";
  }

  private static String plural(JavaType type) {
    Class<?> raw = type.getRawClass();
    if (raw == String.class) return "strings";
    if (raw == Boolean.class) return "booleans";
    if (raw == Integer.class || raw == Long.class) return "integers";
    if (JsonNode.class.isAssignableFrom(raw) || raw == Object.class) return "values";
    if (raw.isEnum() || type.isContainerType() || Number.class.isAssignableFrom(raw))
      return "values (" + describe(type) + ")";
    return "objects";
  }

  /** An enum's constants as they are written in JSON (their @JsonProperty names). */
  private static List<String> enumNames(Class<?> enumType) {
    List<String> names = new ArrayList<>();
    for (Object c : enumType.getEnumConstants()) names.add(Json.MAPPER.valueToTree(c).asText());
    return names;
  }

  /**
   * The JSON properties Jackson reads into {@code type}; an any-setter (Fabric8's
   * additionalProperties) does not count.
   */
  private static Map<String, JavaType> properties(JavaType type) {
    return PROPERTIES.computeIfAbsent(
        type,
        t -> {
          BeanDescription bean = Json.MAPPER.getDeserializationConfig().introspect(t);
          Map<String, JavaType> props = new LinkedHashMap<>();
          for (BeanPropertyDefinition p : bean.findProperties()) {
            if (p.couldDeserialize()) props.put(p.getName(), p.getPrimaryType());
          }
          return Map.copyOf(props);
        });
  }

  private static String firstLine(String message) {
    if (message == null) return "unreadable";
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
