package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

/** A Signal a step emits when it succeeds. */
public class OutputSignal {
  /** The most output signals one step may declare. */
  public static final int MAX_PER_STEP = 20;

  /** The longest rendered param value, in characters. */
  public static final int MAX_PARAM_CHARS = 4096;

  @JsonPropertyDescription("The signal's type (its spec.name), e.g. table-ready. A DNS label.")
  @Required
  @Size(max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  public String name;

  @JsonPropertyDescription(
      "The signal's params, by name: text with ${...} expressions over the step's params, the"
          + " steps upstream of it and its own result (steps.<its id>.outputs). A value that is"
          + " one ${...} and nothing else keeps the type of its result (a number stays a number).")
  @Size(max = 100)
  public Map<String, @Size(max = 4096) String> params;
}
