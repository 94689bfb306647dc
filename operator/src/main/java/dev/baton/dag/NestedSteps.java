package dev.baton.dag;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.api.Json;
import dev.baton.api.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the inner steps of a foreach or while step from the raw JSON the model keeps them in
 * ({@link Step#steps}). The CRD's schema cannot type them, so the API server accepts any JSON
 * there; this reads it as strictly as the schema reads a top-level step (see {@link StrictJson}),
 * and reports every problem naming the step and the field.
 */
final class NestedSteps {
  private static final JavaType STEP = Json.MAPPER.constructType(Step.class);

  private NestedSteps() {}

  /**
   * The steps of {@code loop}'s body that can be read, each with the fields that can be read;
   * entries that are not objects are reported and left out, and a null entry is kept as null (the
   * survey reports it as a step with no id).
   *
   * @param at where the loop step is, e.g. {@code spec.steps[2]}, to name an entry that has no id
   */
  static List<Step> read(Step loop, String at, Problems problems) {
    List<JsonNode> raw = loop.steps;
    if (raw == null) return List.of();
    List<Step> steps = new ArrayList<>(raw.size());
    for (int k = 0; k < raw.size(); k++) {
      JsonNode item = raw.get(k) == null ? NullNode.getInstance() : raw.get(k);
      String where = at + ".steps[" + k + "]";
      if (item.isNull()) {
        steps.add(null); // a step with no id, as the survey reports it
        continue;
      }
      if (!item.isObject()) {
        problems.about(where).add("expected a step (an object), got " + StrictJson.kind(item));
        continue;
      }
      JsonNode id = item.get("id");
      Problems.Reporter step =
          id != null && id.isTextual() && id.asText().matches(Step.ID_PATTERN)
              ? problems.step(id.asText())
              : problems.about(where);
      ObjectNode fields = ((ObjectNode) item).deepCopy();
      JsonNode dependsOn = fields.get("dependsOn");
      if (dependsOn != null && !dependsOn.isNull() && !dependsOn.isArray()) {
        step.field("dependsOn")
            .add("expected a list of step ids, got " + StrictJson.kind(dependsOn));
        fields.remove("dependsOn");
      }
      JsonNode inner = fields.get("steps");
      if (inner != null && !inner.isNull() && !inner.isArray()) {
        step.field("steps").add("expected a list of steps, got " + StrictJson.kind(inner));
        fields.remove("steps");
      }
      JsonNode readable = StrictJson.check(fields, STEP, "", null, step);
      try {
        steps.add(Json.MAPPER.treeToValue(readable, Step.class));
      } catch (Exception e) {
        // Not expected once checked; reported rather than thrown, all the same.
        step.add("cannot be read: " + e.getMessage());
      }
    }
    return steps;
  }

  /**
   * The steps of {@code loop}'s body that can be read, problems ignored: for a survey that is not
   * validation.
   */
  static List<Step> readable(Step loop) {
    return read(loop, "steps", new Problems());
  }
}
