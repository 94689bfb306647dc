package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.baton.util.Digests;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** The one Jackson mapper Baton uses for its own model, and the definition hash. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .setSerializationInclusion(JsonInclude.Include.NON_NULL)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private Json() {}

  public static JsonNode toTree(Object value) {
    return MAPPER.valueToTree(value);
  }

  public static <T> T fromTree(JsonNode node, Class<T> type) {
    try {
      return MAPPER.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  /** A deep copy of a value of Baton's model, through its JSON tree. */
  @SuppressWarnings("unchecked")
  public static <T> T copy(T value) {
    return value == null ? null : (T) fromTree(toTree(value), value.getClass());
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A short, stable hash of a definition: the first 16 hex digits of the SHA-256 of its canonical
   * JSON (map keys sorted, nulls dropped).
   */
  public static String hash(WorkflowSpec spec) {
    try {
      // Through plain maps, so that ORDER_MAP_ENTRIES_BY_KEYS sorts every level.
      Object plain = MAPPER.convertValue(spec, Object.class);
      byte[] canonical = MAPPER.writeValueAsString(plain).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(Digests.sha256(canonical), 0, 8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
