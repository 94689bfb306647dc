package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.OutputSignal;
import dev.baton.api.ParamMatch;
import dev.baton.api.ParamSpec;
import dev.baton.api.SignalWait;
import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Expressions;
import dev.baton.expr.Template;
import dev.baton.signals.SignalMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks and compiles a step's signals: a signal step's {@code signal} (the selector and its
 * timeout), and any step's output {@code signals}. The CRD's schema checks the top level's names
 * and sizes; inside loop bodies only this does.
 */
final class SignalChecks {
  /** A signal's name, as the Signal CRD's schema says: a DNS label. */
  static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  private static final int MAX_NAME = 63;
  private static final int MAX_MATCHES = 20;

  private final Fields fields;

  SignalChecks(Fields fields) {
    this.fields = fields;
  }

  CompiledSignals check(Step s, Problems.Reporter step) {
    SignalMatcher wait = null;
    Duration timeout = null;
    Map<String, Template> waitTemplates = Map.of();
    StepType type = s.typeOrDefault();
    if (type != StepType.SIGNAL && s.signal != null) {
      step.add("only a signal step may have signal");
    } else if (type == StepType.SIGNAL) {
      if (s.signal == null) {
        step.add(
            "a signal step needs signal, e.g. signal: {name: table-ready, match: [{param: date,"
                + " value: '${params.date}'}], timeout: 6h}");
      } else {
        Problems.Reporter at = step.field("signal");
        timeout = fields.duration(at.field("timeout"), s.signal.timeout, null);
        int before = step.problems().count();
        waitTemplates = matches(s.signal, at);
        if (s.signal.when != null && !s.signal.when.isBlank()) {
          try {
            Expressions.condition(s.signal.when);
          } catch (ExpressionException e) {
            at.field("when").add(e.getMessage());
          }
        }
        if (step.problems().count() == before) wait = compile(s.signal, at);
      }
    }
    List<CompiledSignals.Emit> emits = emits(s.signals, step);
    if (wait == null && emits.isEmpty()) return CompiledSignals.NONE;
    return new CompiledSignals(wait, timeout, waitTemplates, emits);
  }

  /** The selector's ${...} values by param; problems with its name and match reported. */
  private Map<String, Template> matches(SignalWait w, Problems.Reporter at) {
    name(w.name, at);
    Map<String, Template> templates = new LinkedHashMap<>();
    if (w.match == null) return templates;
    if (w.match.size() > MAX_MATCHES) {
      at.field("match").add(w.match.size() + " conditions, over the limit of " + MAX_MATCHES);
    }
    for (int k = 0; k < w.match.size(); k++) {
      ParamMatch m = w.match.get(k);
      Problems.Reporter entry = at.field("match[" + k + "]");
      if (m == null) {
        entry.add("is null");
        continue;
      }
      if (m.param == null || m.param.isBlank()) entry.add("param is required");
      JsonNode v = m.value;
      if (v == null || v.isNull()) {
        entry.add("value is required: a string, number or boolean");
      } else if (!(v.isTextual() || v.isNumber() || v.isBoolean())) {
        entry.add("value must be a string, number or boolean, not " + StrictJson.kind(v));
      } else if (v.isTextual() && m.param != null) {
        fields.template(entry, v.asText()).ifPresent(t -> templates.put(m.param, t));
      }
    }
    return templates;
  }

  /** The selector compiled, once its parts are known to be good. */
  private static SignalMatcher compile(SignalWait w, Problems.Reporter at) {
    try {
      return SignalMatcher.compile(w);
    } catch (RuntimeException e) {
      at.add("cannot be compiled: " + e.getMessage());
      return null;
    }
  }

  private List<CompiledSignals.Emit> emits(List<OutputSignal> signals, Problems.Reporter step) {
    if (signals == null) return List.of();
    if (signals.size() > OutputSignal.MAX_PER_STEP) {
      step.field("signals")
          .add(signals.size() + " signals, over the limit of " + OutputSignal.MAX_PER_STEP);
    }
    List<CompiledSignals.Emit> emits = new ArrayList<>();
    for (int k = 0; k < signals.size(); k++) {
      OutputSignal o = signals.get(k);
      Problems.Reporter at = step.field("signals[" + k + "]");
      if (o == null) {
        at.add("is null");
        continue;
      }
      boolean named = name(o.name, at);
      Map<String, Template> params = new LinkedHashMap<>();
      if (o.params != null) {
        if (o.params.size() > 100) at.field("params").add("over the limit of 100 params");
        o.params.forEach((name, value) -> {
          if (!name.matches(ParamSpec.NAME_PATTERN)) {
            at.add("param name " + quote(name) + " must match " + ParamSpec.NAME_PATTERN);
          }
          fields
              .template(at.field("params." + name), value == null ? "" : value)
              .ifPresent(t -> params.put(name, t));
        });
      }
      if (named)
        emits.add(new CompiledSignals.Emit(o.name, java.util.Collections.unmodifiableMap(params)));
    }
    return List.copyOf(emits);
  }

  private static boolean name(String name, Problems.Reporter at) {
    if (name == null || name.isBlank()) {
      at.add("name is required: the signal's type, e.g. table-ready");
      return false;
    }
    if (name.length() > MAX_NAME || !name.matches(NAME_PATTERN)) {
      at.add(
          "name "
              + Fields.quoteShort(name)
              + " is not a signal name: lower case letters, digits and '-', at most "
              + MAX_NAME);
      return false;
    }
    return true;
  }
}
