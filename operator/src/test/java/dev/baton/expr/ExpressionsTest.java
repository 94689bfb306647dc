package dev.baton.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpressionsTest {
  private static final Scope SCOPE =
      new Scope(
          Map.of("env", "prod", "retries", 3L, "ratio", 0.5, "dryRun", false),
          Map.of(
              "extract",
              Map.of("state", "Succeeded", "attempt", 1L, "outputs", Map.of("rows", 5L, "ratio", 0.75)),
              "load-data",
              Map.of("state", "Skipped", "attempt", 0L, "outputs", Map.of())));

  @Test
  void conditionOverParamsIsTrue() {
    assertThat(Expressions.condition("params.env == 'prod'").test(SCOPE)).isTrue();
  }

  @Test
  void conditionOverParamsIsFalse() {
    assertThat(Expressions.condition("params.env == 'dev' || params.dryRun").test(SCOPE)).isFalse();
  }

  @Test
  void conditionReadsAStepsOutputs() {
    assertThat(Expressions.condition("steps.extract.outputs.rows > 3").test(SCOPE)).isTrue();
    assertThat(Expressions.condition("steps.extract.outputs.rows > 10").test(SCOPE)).isFalse();
  }

  @Test
  void conditionReadsAStepWhoseIdHasADashByIndex() {
    assertThat(Expressions.condition("steps['load-data'].state == 'Skipped'").test(SCOPE)).isTrue();
    assertThat(Expressions.condition("steps[\"load-data\"].state == 'Succeeded'").test(SCOPE))
        .isFalse();
  }

  @Test
  void conditionComparesIntegersWithDecimals() {
    // JSON does not tell 1 from 1.0: an output of {"ratio": 1} must compare with 0.9.
    assertThat(Expressions.condition("steps.extract.outputs.ratio > 0").test(SCOPE)).isTrue();
    assertThat(Expressions.condition("steps.extract.outputs.rows > 4.5").test(SCOPE)).isTrue();
    assertThat(Expressions.condition("params.ratio < params.retries").test(SCOPE)).isTrue();
  }

  @Test
  void conditionWithANonBooleanResultIsAnError() {
    Expression e = Expressions.condition("params.env");
    assertThatThrownBy(() -> e.test(SCOPE))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("'params.env'")
        .hasMessageContaining("gave prod, not true or false");
  }

  @Test
  void conditionThatIsStaticallyNotBooleanDoesNotCompile() {
    assertThatThrownBy(() -> Expressions.condition("1 + 2"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("'1 + 2' does not compile")
        .hasMessageContaining("bool");
  }

  @Test
  void syntaxErrorNamesTheSourceAndThePosition() {
    assertThatThrownBy(() -> Expressions.condition("params.x >"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageStartingWith("'params.x >' does not compile: at 1:")
        .hasMessageNotContaining("\n");
  }

  @Test
  void unknownVariableDoesNotCompile() {
    assertThatThrownBy(() -> Expressions.condition("foo.bar == 1"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("does not compile")
        .hasMessageContaining("undeclared reference to 'foo'");
  }

  @Test
  void missingKeyAtRuntimeIsAnErrorNamingTheExpression() {
    Expression e = Expressions.condition("steps.extract.outputs.missing > 3");
    assertThatThrownBy(() -> e.test(SCOPE))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("'steps.extract.outputs.missing > 3'")
        .hasMessageContaining("missing");
  }

  @Test
  void valueExpressionsGiveCelValues() {
    assertThat(Expressions.value("params.retries * 2").evaluate(SCOPE)).isEqualTo(6L);
    assertThat(Expressions.value("params.env + '-x'").evaluate(SCOPE)).isEqualTo("prod-x");
    assertThat(Expressions.value("[1, 2].size()").evaluate(SCOPE)).isEqualTo(2L);
  }

  @Test
  void hasTellsWhetherAStepWroteAnOutput() {
    assertThat(Expressions.condition("has(steps.extract.outputs.rows)").test(SCOPE)).isTrue();
    assertThat(Expressions.condition("has(steps.extract.outputs.nope)").test(SCOPE)).isFalse();
  }

  @Test
  void listMacrosWork() {
    assertThat(Expressions.condition("[1, 2, 3].all(x, x > 0)").test(SCOPE)).isTrue();
    assertThat(Expressions.condition("steps.exists(id, steps[id].state == 'Skipped')").test(SCOPE))
        .isTrue();
    assertThat(Expressions.value("[1, 2, 3].map(x, x * 2)").evaluate(SCOPE))
        .isEqualTo(List.of(2L, 4L, 6L));
  }

  @Test
  void runawayComprehensionsAreBounded() {
    Expression e =
        Expressions.condition(
            "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b,"
                + " [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d,"
                + " [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, true))))))");
    assertThatThrownBy(() -> e.test(SCOPE)).isInstanceOf(ExpressionException.class);
  }

  @Test
  void jsonValuesBecomeCelValues() throws Exception {
    var json = new ObjectMapper().readTree("{\"n\": 5, \"d\": 2.5, \"s\": \"x\", \"b\": true, \"l\": [1], \"o\": {\"k\": null}}");
    Object v = Values.fromJson(json);
    assertThat(v)
        .isEqualTo(
            Map.of(
                "n", 5L,
                "d", 2.5,
                "s", "x",
                "b", true,
                "l", List.of(1L),
                "o", Map.of("k", com.google.protobuf.NullValue.NULL_VALUE)));
    assertThat(Values.fromJson(Values.toJson(v))).isEqualTo(v);
    assertThat(Values.toJson(v).toString()).isEqualTo(json.toString());
  }
}
