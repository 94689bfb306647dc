package dev.baton.signals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;

/**
 * A Signal as triggers see it: its type, the object's name and uid, when it was created (the API
 * server's creationTimestamp, to the second) and its params.
 */
public record SignalView(
    String name, String object, String uid, Instant created, Map<String, JsonNode> params) {
  public SignalView {
    params = params == null ? Map.of() : params;
  }

  /** Arrival order: creation time, then object name (creation times tie within a second). */
  public static final Comparator<SignalView> ARRIVAL =
      Comparator.comparing(SignalView::created).thenComparing(SignalView::object);
}
