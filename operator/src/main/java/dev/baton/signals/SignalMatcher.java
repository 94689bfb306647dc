package dev.baton.signals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.MatchOp;
import dev.baton.api.ParamMatch;
import dev.baton.api.SignalSelector;
import dev.baton.expr.Expression;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Expressions;
import dev.baton.expr.Scope;
import dev.baton.expr.Template;
import dev.baton.expr.Values;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled {@link SignalSelector}. Compiling checks every {@code ${...}} and the {@code when}
 * condition, so a bad selector is found when the definition is validated, not when a signal comes.
 *
 * <p>Comparison: a param and a value that are both numbers compare as numbers; otherwise both
 * compare as text (a string as itself, a number or boolean as its JSON spelling), so ISO dates
 * order as dates. Booleans and other values are equal only to the same text. A signal that lacks
 * the param, or where it is null, an object or a list, matches no condition on it.
 */
public final class SignalMatcher {
  private record Condition(String param, MatchOp op, JsonNode literal, Template template) {}

  private final String name;
  private final List<Condition> conditions;
  private final Expression when;

  private SignalMatcher(String name, List<Condition> conditions, Expression when) {
    this.name = name;
    this.conditions = conditions;
    this.when = when;
  }

  /**
   * @throws ExpressionException naming the bad expression
   */
  public static SignalMatcher compile(SignalSelector selector) {
    List<Condition> conditions = new ArrayList<>();
    if (selector.match != null) {
      for (ParamMatch m : selector.match) {
        Template template =
            m.value != null && m.value.isTextual() && Template.hasHoles(m.value.asText())
                ? Template.parse(m.value.asText())
                : null;
        conditions.add(new Condition(m.param, m.opOrDefault(), m.value, template));
      }
    }
    Expression when =
        selector.when == null || selector.when.isBlank()
            ? null
            : Expressions.condition(selector.when);
    return new SignalMatcher(selector.name, List.copyOf(conditions), when);
  }

  public String name() {
    return name;
  }

  /**
   * Whether a signal named {@code signalName} with {@code params} matches. {@code scope} renders
   * the values' {@code ${...}} (for a signal step, the step's scope; {@link Scope#EMPTY} where
   * there is nothing to read); {@code when} sees that scope plus {@code signal}.
   *
   * @throws ExpressionException when an expression fails on this signal
   */
  public boolean matches(String signalName, Map<String, JsonNode> params, Scope scope) {
    if (!name.equals(signalName)) return false;
    Map<String, JsonNode> p = params == null ? Map.of() : params;
    for (Condition c : conditions) {
      JsonNode actual = p.get(c.param);
      if (!scalar(actual)) return false;
      String expected = c.template == null ? null : c.template.render(scope);
      int cmp = expected == null ? compare(actual, c.literal) : compare(actual, textNode(expected));
      if (!c.op.holds(cmp)) return false;
    }
    return when == null || when.test(scope.withSignal(signalVariable(signalName, p)));
  }

  /** The {@code signal} variable of CEL: {@code {name, params}}. */
  public static Map<String, Object> signalVariable(String name, Map<String, JsonNode> params) {
    Map<String, Object> signal = new LinkedHashMap<>();
    signal.put("name", name);
    signal.put("params", Values.fromJsonMap(params == null ? Map.of() : params));
    return signal;
  }

  private static boolean scalar(JsonNode node) {
    return node != null && (node.isTextual() || node.isNumber() || node.isBoolean());
  }

  private static JsonNode textNode(String text) {
    return com.fasterxml.jackson.databind.node.TextNode.valueOf(text);
  }

  /** Sign of {@code actual} against {@code expected}: numbers as numbers, the rest as text. */
  static int compare(JsonNode actual, JsonNode expected) {
    if (expected == null || expected.isNull()) return actual == null ? 0 : 1;
    BigDecimal a = number(actual);
    BigDecimal e = number(expected);
    if (a != null && e != null) return Integer.signum(a.compareTo(e));
    return Integer.signum(text(actual).compareTo(text(expected)));
  }

  private static BigDecimal number(JsonNode node) {
    if (node.isNumber()) return node.decimalValue();
    return null;
  }

  private static String text(JsonNode node) {
    return node.isTextual() ? node.asText() : node.toString();
  }
}
