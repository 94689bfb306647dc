package dev.baton.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateTest {
  private static final Scope SCOPE =
      new Scope(
          Map.of(
              "date",
              "2024-05-01",
              "count",
              42L,
              "ratio",
              2.5,
              "whole",
              3.0,
              "verbose",
              true,
              "config",
              ordered("region", "eu", "zones", List.of(1L, 2L)),
              "tags",
              List.of("a", "b")),
          Map.of("extract", Map.of("outputs", Map.of("rows", 5L))));

  private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }

  private static String render(String source) {
    return Template.parse(source).render(SCOPE);
  }

  @Test
  void textWithoutHolesRendersAsItself() {
    assertThat(render("--date=today")).isEqualTo("--date=today");
    assertThat(render("")).isEmpty();
    assertThat(Template.hasHoles("plain $ and { }")).isFalse();
  }

  @Test
  void rendersAStringParam() {
    assertThat(render("--date=${params.date}")).isEqualTo("--date=2024-05-01");
  }

  @Test
  void rendersAnIntegerPlainly() {
    assertThat(render("${params.count}")).isEqualTo("42");
    assertThat(render("rows=${steps.extract.outputs.rows}")).isEqualTo("rows=5");
  }

  @Test
  void rendersADoubleAndAWholeDoubleWithoutTheDecimalPoint() {
    assertThat(render("${params.ratio}")).isEqualTo("2.5");
    assertThat(render("${params.whole}")).isEqualTo("3");
  }

  @Test
  void rendersABoolean() {
    assertThat(render("--verbose=${params.verbose}")).isEqualTo("--verbose=true");
  }

  @Test
  void rendersMapsAndListsAsJson() {
    assertThat(render("${params.config}")).isEqualTo("{\"region\":\"eu\",\"zones\":[1,2]}");
    assertThat(render("${params.tags}")).isEqualTo("[\"a\",\"b\"]");
  }

  @Test
  void rendersSeveralHolesAndComputedValues() {
    assertThat(render("${params.date}/${params.count + 1}/${params.config.region}"))
        .isEqualTo("2024-05-01/43/eu");
  }

  @Test
  void bracesInsideStringLiteralsAndMapsDoNotCloseTheHole() {
    assertThat(render("${'}' + params.date}")).isEqualTo("}2024-05-01");
    assertThat(render("${{'a': 1}.a}")).isEqualTo("1");
  }

  @Test
  void doubleDollarEscapesAHole() {
    assertThat(render("echo $${HOME} ${params.count}")).isEqualTo("echo ${HOME} 42");
    assertThat(Template.parse("$${x}").referencedSteps()).isEmpty();
  }

  @Test
  void unclosedHoleIsAnError() {
    assertThatThrownBy(() -> Template.parse("--date=${params.date"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("'--date=${params.date'")
        .hasMessageContaining("no closing }");
  }

  @Test
  void emptyHoleIsAnError() {
    assertThatThrownBy(() -> Template.parse("x${ }"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("empty ${}");
  }

  @Test
  void holeThatDoesNotCompileNamesTheExpression() {
    assertThatThrownBy(() -> Template.parse("--n=${params.count +}"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("'params.count +' does not compile");
  }

  @Test
  void renderingAMissingValueIsAnError() {
    Template t = Template.parse("${steps.extract.outputs.nope}");
    assertThatThrownBy(() -> t.render(SCOPE))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void referencedStepsFindsDottedAndIndexedForms() {
    Template t =
        Template.parse(
            "${steps.extract.outputs.rows} ${steps['load-data'].state} ${steps[\"a_b\"].attempt}"
                + " ${ steps . spaced . state }");
    assertThat(t.referencedSteps()).containsExactly("a_b", "extract", "load-data", "spaced");
  }

  @Test
  void referencedStepsOfAConditionIgnoresParams() {
    assertThat(Template.referencedSteps("params.env == 'prod' && steps.check.outputs.ok"))
        .containsExactly("check");
    assertThat(Template.referencedSteps("params.env == 'prod'")).isEmpty();
  }

  @Test
  void stepsNamedInsideAStringLiteralAreNotReferences() {
    assertThat(Template.referencedSteps("steps.a.outputs.msg == 'see steps.b and steps[\\'c\\']'"))
        .containsExactly("a");
    assertThat(
            Template.parse("${'steps.x is not a step'} ${has(steps.y.outputs) ? 1 : 2}")
                .referencedSteps())
        .containsExactly("y");
  }

  @Test
  void anExpressionThatDoesNotParseIsScannedAsText() {
    assertThat(Template.referencedSteps("steps.a.state == ")).containsExactly("a");
  }

  @Test
  void aFieldNamedStepsInsideAnotherValueIsNotAStepReference() {
    assertThat(Template.referencedSteps("params.config.steps.count > 1 && steps.a.state == 'x'"))
        .containsExactly("a");
  }

  @Test
  void rendersLoopValuesInsideAnIteration() {
    Scope iteration =
        new Scope(
            Map.of("table", "events"),
            Map.of("load", Map.of("outputs", Map.of("rows", 7L))),
            Map.of("day", "2024-05-01", "region", "eu", "index", 4L),
            Map.of());
    Template t =
        Template.parse(
            "--table=${params.table} --day=${loop.day} --part=${loop['region']}-${loop.index}");
    assertThat(t.render(iteration)).isEqualTo("--table=events --day=2024-05-01 --part=eu-4");
    assertThat(Template.parse("${steps.load.outputs.rows} rows on ${loop.day}").render(iteration))
        .isEqualTo("7 rows on 2024-05-01");
  }

  @Test
  void rendersTheNextDayOfALoopDay() {
    // A common backfill need: the window [day, day + 1) from the loop's date.
    Scope iteration =
        new Scope(Map.of(), Map.of(), Map.of("day", "2024-02-28", "index", 0L), Map.of());
    assertThat(Template.parse("${dates(loop.day, '2024-03-01')[1]}").render(iteration))
        .isEqualTo("2024-02-29");
  }

  @Test
  void rendersTheLastIterationInAWhileLoop() {
    Scope iteration =
        new Scope(
            Map.of(),
            Map.of(),
            Map.of("index", 2L),
            Map.of("poll", Map.of("outputs", Map.of("cursor", "abc"))));
    assertThat(
            Template.parse("--after=${last.poll.outputs.cursor} --n=${loop.index}")
                .render(iteration))
        .isEqualTo("--after=abc --n=2");
  }

  @Test
  void referencedFindsLoopAndLastNamesButNotFieldsOfTheSameName() {
    Template t =
        Template.parse(
            "${loop.day}${loop['region']}${params.loop.x}${last.poll.outputs.n}${steps.a.outputs.last.b}");
    assertThat(t.referenced("loop")).containsExactly("day", "region");
    assertThat(t.referenced("last")).containsExactly("poll");
    assertThat(t.referenced("steps")).containsExactly("a");
  }
}
