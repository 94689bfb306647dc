package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * Which signals something waits for: a signal type ({@link SignalSpec#name}) and conditions on its
 * params. A signal matches when its name is {@link #name}, every {@link #match} holds, and {@link
 * #when} (if set) is true.
 */
public class SignalSelector {
  @JsonPropertyDescription("The signal's type (its spec.name), e.g. table-ready.")
  @Required
  @Size(max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  public String name;

  @JsonPropertyDescription(
      "Conditions on the signal's params, all of which must hold: {param: date, op: '>=', value:"
          + " 2026-01-01}.")
  @Size(max = 20)
  public List<ParamMatch> match;

  @JsonPropertyDescription(
      "A CEL condition over the signal, e.g. signal.params.rows > 1000: the signal matches only"
          + " when it is true.")
  @Size(max = 4096)
  public String when;
}
