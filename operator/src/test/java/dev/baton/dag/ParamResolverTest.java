package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.ParamSpec;
import dev.baton.api.ParamType;
import dev.baton.expr.Expressions;
import dev.baton.expr.Scope;
import dev.baton.expr.Values;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamResolverTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** One param of each type; all but date have a default. */
  static final List<ParamSpec> DECLARED =
      Specs.compile(
              """
              params:
                - {name: date}
                - {name: limit, type: integer, default: 100}
                - {name: ratio, type: number, default: 0.5}
                - {name: dryRun, type: boolean, default: false}
                - {name: tables, type: array, default: [a, b]}
                - {name: options, type: object, default: {mode: fast}}
              steps: [{id: a, type: noop}]
              """)
          .params();

  private static Map<String, JsonNode> supplied(Object... kv) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (JsonNode) kv[i + 1]);
    return m;
  }

  private static List<String> problems(Map<String, JsonNode> supplied) {
    try {
      ParamResolver.resolve(DECLARED, supplied);
    } catch (InvalidDefinitionException e) {
      return e.problems();
    }
    throw new AssertionError("expected the params to be rejected");
  }

  @Test
  void defaultsFillInWhatTheRunDoesNotSupply() throws Exception {
    Map<String, JsonNode> resolved =
        ParamResolver.resolve(DECLARED, supplied("date", F.textNode("2024-05-01")));
    assertThat(resolved)
        .containsEntry("date", F.textNode("2024-05-01"))
        .containsEntry("limit", F.numberNode(100))
        .containsEntry("ratio", F.numberNode(0.5))
        .containsEntry("dryRun", F.booleanNode(false))
        .containsKeys("tables", "options");
    assertThat(resolved.keySet())
        .containsExactly("date", "limit", "ratio", "dryRun", "tables", "options");
  }

  @Test
  void suppliedValuesOverrideDefaults() throws Exception {
    Map<String, JsonNode> resolved =
        ParamResolver.resolve(
            DECLARED,
            supplied(
                "date", F.textNode("d"), "limit", F.numberNode(7), "dryRun", F.booleanNode(true)));
    assertThat(resolved)
        .containsEntry("limit", F.numberNode(7))
        .containsEntry("dryRun", F.booleanNode(true));
  }

  @Test
  void anExplicitNullMeansTheDefault() throws Exception {
    Map<String, JsonNode> resolved =
        ParamResolver.resolve(DECLARED, supplied("date", F.textNode("d"), "limit", F.nullNode()));
    assertThat(resolved).containsEntry("limit", F.numberNode(100));
  }

  @Test
  void aRequiredParamMustBeSupplied() {
    assertThat(problems(null))
        .containsExactly("spec.params.date: required, and the workflow gives no default");
    assertThat(problems(supplied("date", F.nullNode()))).hasSize(1);
  }

  @Test
  void aValueOfTheWrongTypeIsRejected() {
    assertThat(problems(supplied("date", F.numberNode(20240501))))
        .containsExactly("spec.params.date: 20240501 is not of type string");
    assertThat(problems(supplied("date", F.textNode("d"), "limit", F.textNode("ten"))))
        .containsExactly("spec.params.limit: \"ten\" is not of type integer");
    assertThat(problems(supplied("date", F.textNode("d"), "limit", F.numberNode(2.5))))
        .containsExactly("spec.params.limit: 2.5 is not of type integer");
    assertThat(problems(supplied("date", F.textNode("d"), "tables", F.textNode("a,b"))))
        .containsExactly("spec.params.tables: \"a,b\" is not of type array");
  }

  @Test
  void anUnknownParamIsRejectedListingTheKnownOnes() {
    assertThat(problems(supplied("date", F.textNode("d"), "limt", F.numberNode(1))))
        .containsExactly(
            "spec.params.limt: the workflow has no such param (it has date, limit, ratio, dryRun, tables, options)");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThat(problems(supplied("limit", F.textNode("x"), "nope", F.numberNode(1)))).hasSize(3);
  }

  @Test
  void anIntegerWrittenWithADecimalPointIsAnIntegerInExpressions() throws Exception {
    Map<String, JsonNode> resolved =
        ParamResolver.resolve(
            DECLARED, supplied("date", F.textNode("d"), "limit", F.numberNode(5.0)));
    Scope scope = new Scope(Values.fromJsonMap(resolved), Map.of());
    assertThat(Expressions.value("params.limit * 2").evaluate(scope)).isEqualTo(10L);
  }

  @Test
  void aNumberParamAcceptsIntegers() throws Exception {
    Map<String, JsonNode> resolved =
        ParamResolver.resolve(
            DECLARED, supplied("date", F.textNode("d"), "ratio", F.numberNode(1)));
    assertThat(resolved.get("ratio").intValue()).isEqualTo(1);
  }

  @Test
  void typesMatchTheirJsonKinds() {
    assertThat(ParamResolver.matches(ParamType.INTEGER, F.numberNode(3L))).isTrue();
    assertThat(ParamResolver.matches(ParamType.INTEGER, F.numberNode(3.0))).isTrue();
    assertThat(ParamResolver.matches(ParamType.INTEGER, F.numberNode(Double.POSITIVE_INFINITY)))
        .isFalse();
    assertThat(ParamResolver.matches(ParamType.NUMBER, F.numberNode(3))).isTrue();
    assertThat(ParamResolver.matches(ParamType.BOOLEAN, F.textNode("true"))).isFalse();
    assertThat(ParamResolver.matches(ParamType.OBJECT, F.objectNode())).isTrue();
    assertThat(ParamResolver.matches(ParamType.ARRAY, F.arrayNode())).isTrue();
    assertThat(ParamResolver.matches(ParamType.STRING, F.textNode(""))).isTrue();
  }
}
