package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import dev.baton.api.Durations;
import dev.baton.api.ParamSpec;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Template;
import dev.baton.util.Text;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the kinds of field found all over a definition: durations, within the limits, and ${...}
 * templates. Templates are compiled once per definition and kept by source, in one map that the
 * whole compiled tree shares.
 */
final class Fields {
  /** Far longer than any real duration ("1d2h3m4s5ms" is 11). */
  private static final int MAX_DURATION_LENGTH = 64;

  private final Limits limits;
  private final Map<String, Template> templates = new HashMap<>();

  Fields(Limits limits) {
    this.limits = limits;
  }

  /** The templates compiled so far, by source. */
  Map<String, Template> templates() {
    return templates;
  }

  /** The duration {@code text} says, or {@code fallback} when there is none or it is not one. */
  Duration duration(Problems.Reporter at, String text, Duration fallback) {
    if (text == null) return fallback;
    // The length check keeps a huge string away from the regex, which recurses per part.
    if (text.length() > MAX_DURATION_LENGTH || !Durations.isValid(text)) {
      at.add(quoteShort(text) + " is not a duration such as 90s, 30m or 2h");
      return fallback;
    }
    Duration d = Durations.parse(text);
    if (d.compareTo(limits.maxTimeout()) > 0) {
      at.add(text + " is over the limit of " + Durations.format(limits.maxTimeout()));
    } else if (d.isZero()) {
      at.add("must be longer than 0s");
    }
    return d;
  }

  /**
   * A step's params or a subworkflow's, compiled, in declaration order.
   *
   * @param field where they are in the step: {@code params} or {@code subworkflow.params}
   */
  Map<String, Template> params(Problems.Reporter step, String field, Map<String, String> values) {
    Map<String, Template> params = new LinkedHashMap<>();
    if (values != null) {
      values.forEach((name, value) -> {
        if (!name.matches(ParamSpec.NAME_PATTERN)) {
          step.add(
              (field.equals("params") ? "param" : "subworkflow param")
                  + " name "
                  + quote(name)
                  + " must match "
                  + ParamSpec.NAME_PATTERN);
        }
        template(step.field(field + "." + name), value == null ? "" : value)
            .ifPresent(t -> params.put(name, t));
      });
    }
    return Collections.unmodifiableMap(params);
  }

  /**
   * {@code source} compiled, or empty when it does not compile (or is null). A string without holes
   * is not kept: it renders as itself.
   */
  Optional<Template> template(Problems.Reporter at, String source) {
    if (source == null || !Template.hasHoles(source)) {
      return Optional.ofNullable(source == null ? null : Template.parse(source));
    }
    Template t = templates.get(source);
    if (t != null) return Optional.of(t);
    try {
      t = Template.parse(source);
      templates.put(source, t);
      return Optional.of(t);
    } catch (ExpressionException e) {
      at.add(e.getMessage());
      return Optional.empty();
    }
  }

  /** A user's value quoted in a message: at most 64 of its characters, then "...". */
  static String quoteShort(String s) {
    return quote(Text.abbreviate(s, MAX_DURATION_LENGTH + 3));
  }
}
