package dev.baton.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expressions that would take the heap out fail fast, naming the limit they passed. */
class ExpressionLimitsTest {
  /** 60,000 characters: under the 64 KiB params limit. */
  private static final String BIG = "a".repeat(60_000);

  private static final Scope SCOPE = new Scope(Map.of("big", BIG, "n", 3L), Map.of());

  /** 100,000 days: as many as dates() gives. */
  private static final String DAYS = "dates('1800-01-01', '2073-10-15')";

  private static Object eval(String source) {
    return Expressions.value(source).evaluate(SCOPE);
  }

  private static void fastly(Runnable r) {
    long start = System.nanoTime();
    r.run();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void aMapThatBuildsGigabytesOfTextExceedsTheBudget() {
    // 100,000 strings of 120,000 characters: 24 GB.
    String source = DAYS + ".map(d, params.big + params.big).size()";
    fastly(() ->
        assertThatThrownBy(() -> eval(source))
            .isInstanceOf(ExpressionException.class)
            .hasMessage("'" + source + "' exceeded the evaluation budget (cost 1000000)"));
  }

  @Test
  void aMapThatBuildsTenBillionListElementsExceedsTheBudget() {
    String source = DAYS + ".map(d, " + DAYS + ").size()";
    fastly(() ->
        assertThatThrownBy(() -> eval(source))
            .isInstanceOf(ExpressionException.class)
            .hasMessageContaining("exceeded the evaluation budget (cost 1000000)"));
  }

  @Test
  void concatenationThatDoublesAStringStopsAtTheTextLimit() {
    // Each level doubles: 60,000 characters times 2^6 is 3.8 million.
    String e = "params.big";
    for (int k = 0; k < 6; k++) e = "(" + e + " + " + e + ")";
    String source = "size(" + e + ")";
    fastly(() ->
        assertThatThrownBy(() -> eval(source))
            .isInstanceOf(ExpressionException.class)
            .hasMessageContaining(
                "made a string of 1920000 characters, over the limit of 1048576"));
  }

  @Test
  void listConcatenationStopsAtTheElementLimit() {
    String source = DAYS + " + " + DAYS;
    assertThatThrownBy(() -> eval(source))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("made a list of 200000 elements, over the limit of 100000");
  }

  @Test
  void aValueSharedManyTimesIsMeasuredAsItWouldRender() {
    // Holding it takes 100 references; rendering it, 6 MB.
    String source = "dates('2024-01-01', '2024-04-09').map(x, params.big)";
    assertThatThrownBy(() -> eval(source))
        .isInstanceOf(ExpressionException.class)
        .hasMessage("'" + source + "' gave a result of over 4194304 characters");
  }

  @Test
  void aHoleOfATemplateIsMeasuredBeforeItIsRendered() {
    Template t =
        Template.parse(
            "--days=${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18].map(x, params.big)}");
    assertThatThrownBy(() -> t.render(SCOPE))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("renders to over 1048576 characters");
  }

  @Test
  void aConditionThatGivesAHugeValueIsNotRenderedIntoTheError() {
    Expression e =
        Expressions.condition("dyn(dates('2024-01-01', '2024-04-09').map(x, params.big))[0]");
    assertThatThrownBy(() -> e.test(SCOPE))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("gave a string of 60000 characters, not true or false");
  }

  @Test
  void anErrorInsideOrDoesNotHideTheBudget() {
    // CEL lets the other side of || decide when one side fails: not when it failed for the budget.
    String source = DAYS + ".map(d, params.big + params.big).size() > 0 || true";
    assertThatThrownBy(() -> Expressions.condition(source).test(SCOPE))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("exceeded the evaluation budget");
  }

  @Test
  void manyHolesOfATemplateCannotAddUpPastTheLimit() {
    Template t = Template.parse("${params.big}".repeat(20));
    assertThatThrownBy(() -> t.render(SCOPE))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("renders to over 1048576 characters");
  }

  @Test
  void theTemplatesOfOneScopeCannotAddUpPastTheLimitEither() {
    // A Job's command, args and env render against one scope: 17 x 60,000 characters each.
    Template t = Template.parse("${params.big}".repeat(17));
    Scope job = new Scope(SCOPE.params(), Map.of());
    for (int k = 0; k < 4; k++) assertThat(t.render(job)).hasSize(1_020_000);
    assertThatThrownBy(() -> t.render(job))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining(
            "renders past 4194304 characters, with the other templates rendered with it");
    // The next Job's rendering starts afresh.
    assertThat(t.render(new Scope(SCOPE.params(), Map.of()))).hasSize(1_020_000);
  }

  @Test
  void ordinaryLargeExpressionsStayWithinTheLimits() {
    // 25 years of days, mapped and filtered; a param used many times over.
    assertThat(eval("dates('2000-01-01', '2024-12-31').map(d, d + 'T00:00:00Z').size()"))
        .isEqualTo(9132L);
    assertThat(eval("dates('2000-01-01', '2024-12-31').filter(d, d.endsWith('-01')).size()"))
        .isEqualTo(300L);
    assertThat(
            eval(
                "dates('2000-01-01', '2024-12-31').all(d, params.big.startsWith('a') && size(d) == 10)"))
        .isEqualTo(true);
    assertThat(eval("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(x, params.big + string(x)).size()"))
        .isEqualTo(10L);
    assertThat(eval(DAYS + ".size()")).isEqualTo(100_000L);
    assertThat(Template.parse("${params.big}${params.big}").render(SCOPE)).hasSize(120_000);
  }
}
