package dev.baton.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.google.protobuf.NullValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts between JSON and the Java values CEL works on. */
public final class Values {
  private Values() {}

  public static Object fromJson(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return NullValue.NULL_VALUE;
    }
    if (node.isTextual()) return node.textValue();
    if (node.isBoolean()) return node.booleanValue();
    if (node.isIntegralNumber() && node.canConvertToLong()) return node.longValue();
    if (node.isNumber()) return node.doubleValue();
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      node.forEach(n -> list.add(fromJson(n)));
      return list;
    }
    Map<String, Object> map = new LinkedHashMap<>();
    node.properties().forEach(e -> map.put(e.getKey(), fromJson(e.getValue())));
    return map;
  }

  public static Map<String, Object> fromJsonMap(Map<String, JsonNode> values) {
    Map<String, Object> map = new LinkedHashMap<>();
    if (values != null) values.forEach((k, v) -> map.put(k, fromJson(v)));
    return map;
  }

  public static JsonNode toJson(Object value) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (value) {
      case null -> f.nullNode();
      case NullValue n -> f.nullNode();
      case String s -> f.textNode(s);
      case Boolean b -> f.booleanNode(b);
      case Long l -> f.numberNode(l);
      case Integer i -> f.numberNode(i);
      case Double d -> f.numberNode(d);
      case com.google.common.primitives.UnsignedLong u -> f.numberNode(u.bigIntegerValue());
      case Map<?, ?> m -> {
        var obj = f.objectNode();
        m.forEach((k, v) -> obj.set(String.valueOf(k), toJson(v)));
        yield obj;
      }
      case Collection<?> c -> {
        var arr = f.arrayNode();
        c.forEach(v -> arr.add(toJson(v)));
        yield arr;
      }
      default -> f.textNode(String.valueOf(value));
    };
  }

  /** How a value reads inside a string: text as is, numbers plainly, the rest as JSON. */
  public static String render(Object value) {
    return switch (value) {
      case String s -> s;
      case Long l -> Long.toString(l);
      case Double d when d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15 ->
          Long.toString(d.longValue());
      case Double d -> Double.toString(d);
      case Boolean b -> Boolean.toString(b);
      default -> toJson(value).toString();
    };
  }

  /**
   * The value {@link #render rendered} when that takes at most {@code max} characters; else what it
   * is and how large ("a string of 60000 characters"), for messages.
   */
  public static String describe(Object value, int max) {
    if (!renderedLengthOver(value, max)) return render(value);
    return switch (value) {
      case String s -> "a string of " + s.length() + " characters";
      case Collection<?> c -> "a list of " + c.size() + " elements";
      case Map<?, ?> m -> "a map of " + m.size() + " entries";
      default -> "a value of over " + max + " characters";
    };
  }

  /**
   * Whether {@link #render rendering} the value would take more than {@code limit} characters,
   * about: stops counting as soon as it is over, so it is cheap even for a value that shares one
   * part many times over.
   */
  public static boolean renderedLengthOver(Object value, long limit) {
    return renderedLength(value, limit + 1) > limit;
  }

  /** The rendered length of a value, or at least {@code stopAt}. */
  private static long renderedLength(Object value, long stopAt) {
    return switch (value) {
      case String s -> s.length() + 2L;
      case com.google.protobuf.ByteString b -> b.size() * 2L + 2;
      case Collection<?> c -> {
        long n = 2;
        for (Object v : c) {
          if (n >= stopAt) break;
          n += 1 + renderedLength(v, stopAt - n);
        }
        yield n;
      }
      case Map<?, ?> m -> {
        long n = 2;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (n >= stopAt) break;
          n += 2 + renderedLength(e.getKey(), stopAt - n);
          if (n < stopAt) n += renderedLength(e.getValue(), stopAt - n);
        }
        yield n;
      }
      case null -> 4;
      default -> String.valueOf(value).length();
    };
  }
}
