package dev.baton.signals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.api.Json;
import dev.baton.api.MatchOp;
import dev.baton.api.ParamMatch;
import dev.baton.api.ParamSpec;
import dev.baton.api.SignalSelector;
import dev.baton.api.SignalTrigger;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Scope;
import dev.baton.expr.Template;
import dev.baton.util.Text;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A signal trigger, checked against its Workflow's params and compiled: its selectors, its join
 * keys and its param templates. {@link #compile} finds every problem at once, each starting with
 * {@code trigger "name": }, for the Workflow's Valid condition.
 *
 * <p>What is checked: the name; one to ten selectors, each compiling ({@link SignalMatcher});
 * joined selectors name different signals (so {@code signals['name']} is unambiguous, and no signal
 * can fill two places of one join); joinOn is set exactly when there are several selectors, without
 * repeats; no two joined selectors pin a join key to different values with {@code =} (they could
 * never agree); every param the trigger sets is one the workflow declares; every required param (no
 * default) is set; every template compiles, reads only {@code signal} (single-signal triggers) and
 * {@code signals}, and names with {@code signals['x']} only signals the trigger selects. What
 * cannot be checked before signals come (a signal lacking a join key, a template failing on a
 * signal's params) makes that signal not join, or the run fail to start, as README says.
 */
public final class CompiledSignalTrigger {
  private final String name;
  private final List<SignalMatcher> selectors;
  private final List<String> joinOn;
  private final Map<String, Template> params;

  private CompiledSignalTrigger(
      String name,
      List<SignalMatcher> selectors,
      List<String> joinOn,
      Map<String, Template> params) {
    this.name = name;
    this.selectors = selectors;
    this.joinOn = joinOn;
    this.params = params;
  }

  /**
   * Compiles {@code trigger} against the workflow's {@code declared} params. Returns null and adds
   * to {@code problems} when it has any.
   */
  public static CompiledSignalTrigger compile(
      SignalTrigger trigger, List<ParamSpec> declared, List<String> problems) {
    int before = problems.size();
    String lead = "trigger " + quote(trigger.name == null ? "" : trigger.name) + ": ";
    if (trigger.name == null || !trigger.name.matches(SignalTrigger.NAME_PATTERN)) {
      problems.add(lead + "name must be a DNS label (lower case letters, digits and -)");
    }
    List<SignalSelector> selected = trigger.signals == null ? List.of() : trigger.signals;
    if (selected.isEmpty() || selected.size() > 10) {
      problems.add(lead + "signals: one to ten selectors, got " + selected.size());
    }
    List<SignalMatcher> matchers = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (SignalSelector s : selected) {
      if (s == null || s.name == null) {
        problems.add(lead + "signals: a selector without a name");
        continue;
      }
      if (!names.add(s.name)) {
        problems.add(
            lead
                + "signals: "
                + quote(s.name)
                + " is selected twice; a join's signals have different names");
      }
      try {
        matchers.add(SignalMatcher.compile(s));
      } catch (ExpressionException e) {
        problems.add(lead + "signal " + quote(s.name) + ": " + e.getMessage());
      }
    }
    List<String> joinOn = trigger.joinOnOrEmpty();
    if (selected.size() > 1 && joinOn.isEmpty()) {
      problems.add(lead + "joinOn: a join of several signals needs the params they agree on");
    }
    if (selected.size() == 1 && !joinOn.isEmpty()) {
      problems.add(lead + "joinOn: applies only to a join of two or more signals");
    }
    if (new HashSet<>(joinOn).size() != joinOn.size()) {
      problems.add(lead + "joinOn: a param is named twice");
    }
    if (selected.size() > 1) checkJoinable(selected, joinOn, lead, problems);
    Map<String, Template> templates = compileParams(trigger, declared, names, lead, problems);
    if (problems.size() > before) return null;
    return new CompiledSignalTrigger(
        trigger.name, List.copyOf(matchers), List.copyOf(joinOn), templates);
  }

  /** Two selectors that pin a join key to different values with = can never join. */
  private static void checkJoinable(
      List<SignalSelector> selected, List<String> joinOn, String lead, List<String> problems) {
    for (String key : joinOn) {
      Map<String, JsonNode> pinned = new LinkedHashMap<>();
      for (SignalSelector s : selected) {
        if (s == null || s.match == null) continue;
        for (ParamMatch m : s.match) {
          if (key.equals(m.param)
              && m.opOrDefault() == MatchOp.EQ
              && m.value != null
              && !(m.value.isTextual() && Template.hasHoles(m.value.asText()))) {
            pinned.put(s.name, m.value);
          }
        }
      }
      var entries = new ArrayList<>(pinned.entrySet());
      for (int i = 1; i < entries.size(); i++) {
        var a = entries.getFirst();
        var b = entries.get(i);
        if (SignalMatcher.compare(a.getValue(), b.getValue()) != 0) {
          problems.add(
              lead
                  + "joinOn "
                  + key
                  + ": signals "
                  + quote(a.getKey())
                  + " ("
                  + key
                  + " = "
                  + a.getValue()
                  + ") and "
                  + quote(b.getKey())
                  + " ("
                  + key
                  + " = "
                  + b.getValue()
                  + ") can never agree");
        }
      }
    }
  }

  private static Map<String, Template> compileParams(
      SignalTrigger trigger,
      List<ParamSpec> declared,
      Set<String> selectorNames,
      String lead,
      List<String> problems) {
    Map<String, ParamSpec> byName = new LinkedHashMap<>();
    if (declared != null) for (ParamSpec p : declared) if (p != null) byName.put(p.name, p);
    boolean join = trigger.signals != null && trigger.signals.size() > 1;
    Map<String, Template> templates = new LinkedHashMap<>();
    for (var e : trigger.paramsOrEmpty().entrySet()) {
      String where = lead + "params." + e.getKey() + ": ";
      if (!byName.containsKey(e.getKey())) {
        problems.add(
            where
                + "the workflow has no such param"
                + (byName.isEmpty() ? "" : " (it has " + String.join(", ", byName.keySet()) + ")"));
      }
      String source = e.getValue() == null ? "" : e.getValue();
      Template t;
      try {
        t = Template.parse(source);
      } catch (ExpressionException ex) {
        problems.add(where + ex.getMessage());
        continue;
      }
      for (String v : List.of("params", "steps", "loop", "last")) {
        if (!t.referenced(v).isEmpty()) {
          problems.add(where + "reads " + v + "; a trigger's params see only signal and signals");
        }
      }
      if (join && !t.referenced("signal").isEmpty()) {
        problems.add(where + "reads signal, which only a single-signal trigger has; use signals");
      }
      for (String named : t.referenced("signals")) {
        if (!selectorNames.contains(named)) {
          problems.add(
              where + "reads signals[" + quote(named) + "], which the trigger does not select");
        }
      }
      templates.put(e.getKey(), t);
    }
    for (ParamSpec p : byName.values()) {
      if (p.defaultValue == null && !trigger.paramsOrEmpty().containsKey(p.name)) {
        problems.add(
            lead
                + "params."
                + p.name
                + ": required by the workflow (it has no default), and the trigger does not set"
                + " it");
      }
    }
    return Map.copyOf(templates);
  }

  public String name() {
    return name;
  }

  public boolean isJoin() {
    return selectors.size() > 1;
  }

  public int size() {
    return selectors.size();
  }

  public List<String> joinOn() {
    return joinOn;
  }

  /** The signal names the trigger selects, in selector order. */
  public List<String> signalNames() {
    return selectors.stream().map(SignalMatcher::name).toList();
  }

  /**
   * The index of the selector {@code signal} matches, or -1. Joined selectors name different
   * signals, so at most one does. A {@code when} condition that fails on this signal (e.g. reads a
   * param it lacks) does not match, and neither does a signal of a join without every join key as a
   * string, number or boolean.
   */
  public int selectorOf(SignalView signal) {
    for (int i = 0; i < selectors.size(); i++) {
      SignalMatcher m = selectors.get(i);
      if (!m.name().equals(signal.name())) continue;
      boolean match;
      try {
        match = m.matches(signal.name(), signal.params(), Scope.EMPTY);
      } catch (ExpressionException e) {
        match = false;
      }
      if (!match) return -1;
      return isJoin() && joinKey(signal).isEmpty() ? -1 : i;
    }
    return -1;
  }

  /**
   * The join key of a signal: its joinOn params, each as text (a number in its plain decimal form,
   * so 1 and 1.0 agree, as the match rules compare them), or empty when one is missing or not a
   * string, number or boolean.
   */
  public Optional<List<String>> joinKey(SignalView signal) {
    List<String> key = new ArrayList<>(joinOn.size());
    for (String k : joinOn) {
      JsonNode v = signal.params().get(k);
      if (v == null) return Optional.empty();
      if (v.isTextual()) key.add(v.asText());
      else if (v.isNumber()) key.add(v.decimalValue().stripTrailingZeros().toPlainString());
      else if (v.isBoolean()) key.add(Boolean.toString(v.booleanValue()));
      else return Optional.empty();
    }
    return Optional.of(List.copyOf(key));
  }

  /**
   * The run's params, rendered from {@code signals} (one per selector, in selector order) as
   * strings, for the caller to convert to the workflow's param types.
   *
   * @throws ExpressionException naming the param whose template failed
   */
  public Map<String, JsonNode> render(List<SignalView> signals) {
    Map<String, Object> byName = new HashMap<>();
    for (SignalView s : signals) {
      byName.put(s.name(), SignalMatcher.signalVariable(s.name(), s.params()));
    }
    Scope scope = new Scope(Map.of(), Map.of()).withSignals(byName);
    if (signals.size() == 1) {
      scope =
          scope.withSignal(
              SignalMatcher.signalVariable(signals.get(0).name(), signals.get(0).params()));
    }
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (var e : params.entrySet()) {
      try {
        out.put(e.getKey(), TextNode.valueOf(e.getValue().render(scope)));
      } catch (ExpressionException ex) {
        throw new ExpressionException("params." + e.getKey() + ": " + ex.getMessage(), ex);
      }
    }
    return out;
  }

  /** A signal's params as JSON for a summary, cut at {@code max} characters. */
  public static String summary(Map<String, JsonNode> params, int max) {
    return Text.abbreviate(Json.write(params == null ? Map.of() : params), max);
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
