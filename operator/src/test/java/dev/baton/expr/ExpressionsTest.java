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
              Map.of(
                  "state",
                  "Succeeded",
                  "attempt",
                  1L,
                  "outputs",
                  Map.of("rows", 5L, "ratio", 0.75)),
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
    var json =
        new ObjectMapper()
            .readTree(
                "{\"n\": 5, \"d\": 2.5, \"s\": \"x\", \"b\": true, \"l\": [1], \"o\": {\"k\": null}}");
    Object v = Values.fromJson(json);
    assertThat(v)
        .isEqualTo(
            Map.of(
                "n",
                5L,
                "d",
                2.5,
                "s",
                "x",
                "b",
                true,
                "l",
                List.of(1L),
                "o",
                Map.of("k", com.google.protobuf.NullValue.NULL_VALUE)));
    assertThat(Values.fromJson(Values.toJson(v))).isEqualTo(v);
    assertThat(Values.toJson(v).toString()).isEqualTo(json.toString());
  }

  private static final Scope RANGE =
      new Scope(Map.of("from", "2024-02-27", "to", "2024-03-02", "n", 2L), Map.of());

  @Test
  void datesListsEveryDayFromOneDateToAnotherBothIncluded() {
    // 2024 is a leap year: the 29th of February is in.
    assertThat(Expressions.value("dates(params.from, params.to)").evaluate(RANGE))
        .isEqualTo(List.of("2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"));
    assertThat(Expressions.value("dates('2023-12-31', '2024-01-01')").evaluate(Scope.EMPTY))
        .isEqualTo(List.of("2023-12-31", "2024-01-01"));
    assertThat(Expressions.value("dates('2024-01-01', '2024-01-01')").evaluate(Scope.EMPTY))
        .isEqualTo(List.of("2024-01-01"));
  }

  @Test
  void datesTakesEveryNthDayWithAStep() {
    assertThat(Expressions.value("dates(params.from, params.to, params.n)").evaluate(RANGE))
        .isEqualTo(List.of("2024-02-27", "2024-02-29", "2024-03-02"));
    assertThat(Expressions.value("dates('2024-01-01', '2024-01-20', 7)").evaluate(Scope.EMPTY))
        .as("the last date is the last step that does not pass the end")
        .isEqualTo(List.of("2024-01-01", "2024-01-08", "2024-01-15"));
  }

  @Test
  void datesWorksInConditionsListsAndTemplates() {
    assertThat(Expressions.condition("size(dates(params.from, params.to)) == 5").test(RANGE))
        .isTrue();
    assertThat(Expressions.list("dates(params.from, params.to)").evaluate(RANGE))
        .asList()
        .hasSize(5);
    assertThat(Template.parse("--days=${dates(params.from, params.to, 4)}").render(RANGE))
        .isEqualTo("--days=[\"2024-02-27\",\"2024-03-02\"]");
  }

  @Test
  void datesRejectsWhatIsNotAnIsoDate() {
    for (String bad :
        List.of(
            "2024-02-30", "2024-1-01", "01/02/2024", "+12024-01-01", "2024-01-01T00:00:00", "")) {
      assertThatThrownBy(() ->
              Expressions.value("dates(params.from, '2024-12-31')")
                  .evaluate(new Scope(Map.of("from", bad), Map.of())))
          .as(bad)
          .isInstanceOf(ExpressionException.class)
          .hasMessageContaining("'" + bad + "' is not a date 'YYYY-MM-DD'");
    }
    assertThatThrownBy(() -> Expressions.value("dates('2024-01-01', 'soon')").evaluate(Scope.EMPTY))
        .hasMessageContaining("'soon' is not a date");
  }

  @Test
  void datesRejectsAnEndBeforeTheStart() {
    assertThatThrownBy(
            () -> Expressions.value("dates('2024-03-01', '2024-02-28')").evaluate(Scope.EMPTY))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("dates: 2024-02-28 is before 2024-03-01");
  }

  @Test
  void datesRejectsAStepBelowOne() {
    for (String step : List.of("0", "-1")) {
      assertThatThrownBy(() ->
              Expressions.value("dates('2024-01-01', '2024-01-03', " + step + ")")
                  .evaluate(Scope.EMPTY))
          .isInstanceOf(ExpressionException.class)
          .hasMessageContaining("the step must be at least 1 day, not " + step);
    }
  }

  @Test
  void datesRejectsMoreThanAHundredThousandDates() {
    // 2000-01-01 plus 99,999 days is 2273-10-15: exactly the limit.
    assertThat(Expressions.value("dates('2000-01-01', '2273-10-15')").evaluate(Scope.EMPTY))
        .asList()
        .hasSize(100_000);
    assertThatThrownBy(
            () -> Expressions.value("dates('2000-01-01', '2273-10-16')").evaluate(Scope.EMPTY))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("is 100001 dates, over the limit of 100000");
    assertThat(Expressions.value("dates('2000-01-01', '2273-10-16', 2)").evaluate(Scope.EMPTY))
        .asList()
        .hasSize(50_001);
  }

  @Test
  void datesWithArgumentsOfTheWrongTypeDoesNotCompile() {
    assertThatThrownBy(() -> Expressions.value("dates(1, 2)"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("does not compile");
    assertThatThrownBy(() -> Expressions.value("dates('2024-01-01', '2024-01-02', 'x')"))
        .hasMessageContaining("does not compile");
  }

  @Test
  void thereIsNoClock() {
    // Loop items are computed again after an operator restart and must come out the same.
    assertThatThrownBy(() -> Expressions.value("today()")).hasMessageContaining("does not compile");
    assertThatThrownBy(() -> Expressions.value("now()")).hasMessageContaining("does not compile");
  }

  @Test
  void loopAndLastAreVariables() {
    // CEL reserves the word loop; the compiler is told not to, so that it can name the loop scope.
    Scope scope =
        new Scope(
            Map.of(),
            Map.of(),
            Map.of("day", "2024-01-01", "index", 3L),
            Map.of("poll", Map.of("outputs", Map.of("more", true))));
    assertThat(Expressions.value("loop.day + '/' + string(loop.index)").evaluate(scope))
        .isEqualTo("2024-01-01/3");
    assertThat(Expressions.condition("loop.index < 5 && last.poll.outputs.more").test(scope))
        .isTrue();
  }
}
