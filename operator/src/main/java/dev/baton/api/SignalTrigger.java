package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * Starts a run when signals matching it arrive: one signal, or a join of several that agree on the
 * {@link #joinOn} params. Each signal starts at most one run per trigger (see README, "Signals and
 * signal triggers").
 */
@ValidationRule(
    value = "size(self.signals) < 2 || (has(self.joinOn) && size(self.joinOn) > 0)",
    message = "a trigger joining several signals needs joinOn: the params they must agree on")
@ValidationRule(
    value = "!has(self.joinOn) || size(self.signals) >= 2",
    message = "joinOn applies only to a join of two or more signals")
public class SignalTrigger {
  public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  @JsonPropertyDescription(
      "The trigger's name, unique among the workflow's signal triggers: a DNS label. Its runs"
          + " carry it as the baton.dev/trigger label.")
  @Required
  @Size(max = 63)
  @Pattern(NAME_PATTERN)
  public String name;

  @JsonPropertyDescription(
      "The signals that start a run: one, or several to join (a run starts once one of each has"
          + " arrived with the same joinOn params). Joined selectors name different signals.")
  @Required
  @Size(min = 1, max = 10)
  public List<SignalSelector> signals;

  @JsonPropertyDescription(
      "For a join: the params every joined signal must have, with equal values, e.g. [date].")
  @Size(max = 10)
  public List<String> joinOn;

  @JsonPropertyDescription(
      "The run's params, by name: text with ${...} CEL expressions over signal (a single signal:"
          + " signal.params.date) and signals (by signal name: signals['table-ready'].params.date),"
          + " converted to the workflow's param types.")
  @Size(max = 100)
  @ValidationRule(
      value = "self.all(k, size(self[k]) <= 4096)",
      message = "a trigger's param is at most 4096 characters")
  public Map<String, String> params;

  public List<String> joinOnOrEmpty() {
    return joinOn == null ? List.of() : joinOn;
  }

  public Map<String, String> paramsOrEmpty() {
    return params == null ? Map.of() : params;
  }
}
