package dev.baton.expr;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A string with ${...} holes, each a CEL expression: {@code "--date=${params.date}"}. Text with
 * no hole renders as itself; {@code $${} writes a literal {@code ${}.
 */
public final class Template {
  private sealed interface Part permits Text, Hole {}

  private record Text(String text) implements Part {}

  private record Hole(Expression expression) implements Part {}

  private final String source;
  private final List<Part> parts;

  private Template(String source, List<Part> parts) {
    this.source = source;
    this.parts = parts;
  }

  public static boolean hasHoles(String source) {
    return source != null && source.contains("${");
  }

  /** Parses and compiles every hole. Throws {@link ExpressionException} naming the bad one. */
  public static Template parse(String source) {
    List<Part> parts = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < source.length()) {
      if (source.startsWith("$${", i)) {
        text.append("${");
        i += 3;
      } else if (source.startsWith("${", i)) {
        int end = closingBrace(source, i + 2);
        if (end < 0) {
          throw new ExpressionException("'" + source + "' has a ${ with no closing }");
        }
        if (!text.isEmpty()) {
          parts.add(new Text(text.toString()));
          text.setLength(0);
        }
        String inner = source.substring(i + 2, end).strip();
        if (inner.isEmpty()) {
          throw new ExpressionException("'" + source + "' has an empty ${}");
        }
        parts.add(new Hole(Expressions.value(inner)));
        i = end + 1;
      } else {
        text.append(source.charAt(i++));
      }
    }
    if (!text.isEmpty()) parts.add(new Text(text.toString()));
    return new Template(source, List.copyOf(parts));
  }

  /** The index of the } that closes a hole, skipping braces inside string literals and maps. */
  private static int closingBrace(String s, int from) {
    int depth = 0;
    char quote = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') i++;
        else if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        if (depth == 0) return i;
        depth--;
      }
    }
    return -1;
  }

  public String render(Scope scope) {
    if (parts.size() == 1 && parts.getFirst() instanceof Text t) return t.text();
    String text = renderHoles(scope);
    scope.rendered().add(text.length(), source);
    return text;
  }

  private String renderHoles(Scope scope) {
    StringBuilder sb = new StringBuilder();
    for (Part p : parts) {
      switch (p) {
        case Text t -> sb.append(t.text());
        case Hole h -> {
          // Measured before it is rendered; and each hole is bounded, but many could add up.
          Object value = h.expression().evaluate(scope);
          if (Values.renderedLengthOver(value, Expressions.MAX_TEXT - sb.length())) {
            throw new ExpressionException(
                "'" + source + "' renders to over " + Expressions.MAX_TEXT + " characters");
          }
          sb.append(Values.render(value));
        }
      }
    }
    return sb.toString();
  }

  public String source() {
    return source;
  }

  /**
   * The expression of a template that is one {@code ${...}} and nothing else, whose value may keep
   * its type (a number stays a number); null for any other template.
   */
  public Expression soleExpression() {
    return parts.size() == 1 && parts.getFirst() instanceof Hole h ? h.expression() : null;
  }

  /** The step ids the template's expressions name, as steps.x or steps['x']. */
  public Set<String> referencedSteps() {
    return referenced("steps");
  }

  /**
   * The fields of one variable ({@code steps}, {@code loop} or {@code last}) that the template's
   * expressions name, as var.x or var['x'].
   */
  public Set<String> referenced(String variable) {
    Set<String> names = new TreeSet<>();
    for (Part p : parts) {
      if (p instanceof Hole h) names.addAll(referenced(variable, h.expression().source()));
    }
    return names;
  }

  /** The step ids an expression names, as steps.x or steps['x']. */
  public static Set<String> referencedSteps(String expression) {
    return referenced("steps", expression);
  }

  /**
   * var.x or var['x'], but not a field of the same name on something else (params.cfg.steps.x), nor
   * the same text inside a string literal ('steps.x'): read from the parsed expression. One that
   * does not parse is scanned as text instead (its compile reports the error).
   */
  public static Set<String> referenced(String variable, String expression) {
    CelAbstractSyntaxTree ast;
    try {
      ast = Expressions.parse(expression);
    } catch (ExpressionException e) {
      return scanned(variable, expression);
    }
    Set<String> names = new TreeSet<>();
    CelNavigableAst.fromAst(ast)
        .getRoot()
        .allNodes()
        .forEach(node -> {
          CelExpr e = node.expr();
          switch (e.getKind()) {
            case SELECT -> {
              if (isIdent(e.select().operand(), variable)) names.add(e.select().field());
            }
            case CALL -> {
              var call = e.call();
              if (call.function().equals(INDEX)
                  && call.args().size() == 2
                  && isIdent(call.args().get(0), variable)) {
                CelExpr key = call.args().get(1);
                if (key.getKind() == CelExpr.ExprKind.Kind.CONSTANT
                    && key.constant().getKind() == CelConstant.Kind.STRING_VALUE) {
                  names.add(key.constant().stringValue());
                }
              }
            }
            default -> {}
          }
        });
    return names;
  }

  /** CEL's name for the index operator, a[b]. */
  private static final String INDEX = "_[_]";

  private static boolean isIdent(CelExpr e, String name) {
    return e.getKind() == CelExpr.ExprKind.Kind.IDENT && e.ident().name().equals(name);
  }

  /**
   * The text scan, for expressions that do not parse: it also sees names inside string literals.
   */
  private static Set<String> scanned(String variable, String expression) {
    Pattern pattern =
        PATTERNS.computeIfAbsent(
            variable,
            v ->
                Pattern.compile(
                    "(?<![.\\w])"
                        + Pattern.quote(v)
                        + "\\s*(?:\\.\\s*([A-Za-z_][A-Za-z0-9_]*)|\\[\\s*['\"]([^'\"]+)['\"]\\s*\\])"));
    Set<String> names = new TreeSet<>();
    Matcher m = pattern.matcher(expression);
    while (m.find()) {
      names.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return names;
  }

  private static final java.util.Map<String, Pattern> PATTERNS =
      new java.util.concurrent.ConcurrentHashMap<>();
}
