package dev.baton.signals;

import static dev.baton.signals.TriggerFixtures.compile;
import static dev.baton.signals.TriggerFixtures.problems;
import static dev.baton.signals.TriggerFixtures.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.expr.ExpressionException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompiledSignalTriggerTest {
  static final String DATE = "[{name: date}]";

  @Test
  void mapsASingleSignalsParamsThroughSignalAndSignals() {
    var t =
        compile(
            "{name: t, signals: [{name: table-ready}], params: {date: '${signal.params.date}',"
                + " table: 'db.${signals[\"table-ready\"].params.table}'}}",
            "[{name: date}, {name: table}]");
    var run =
        List.of(signal("table-ready", "a", 1, "{\"date\": \"2026-01-01\", \"table\": \"t\"}"));
    var params = t.render(run);
    assertThat(params.get("date").asText()).isEqualTo("2026-01-01");
    assertThat(params.get("table").asText()).isEqualTo("db.t");
  }

  @Test
  void mapsAJoinsParamsBySignalName() {
    var t =
        compile(
            "{name: t, signals: [{name: a}, {name: b}], joinOn: [date],"
                + " params: {date: '${signals.a.params.date}', rows: '${signals.b.params.rows}'}}",
            "[{name: date}, {name: rows, type: integer}]");
    var params =
        t.render(
            List.of(
                signal("a", "a1", 1, "{\"date\": \"d\"}"),
                signal("b", "b1", 1, "{\"date\": \"d\", \"rows\": 7}")));
    assertThat(params.get("rows").asText()).isEqualTo("7");
  }

  @Test
  void aTemplateFailingOnASignalNamesTheParam() {
    var t =
        compile("{name: t, signals: [{name: s}], params: {date: '${signal.params.date}'}}", DATE);
    assertThatThrownBy(() -> t.render(List.of(signal("s", "x", 1, "{}"))))
        .isInstanceOf(ExpressionException.class)
        .hasMessageStartingWith("params.date: ");
  }

  @Test
  void paramsMustFitTheWorkflowsParams() {
    assertThat(problems("{name: t, signals: [{name: s}], params: {dat: x}}", DATE))
        .containsExactly(
            "trigger \"t\": params.dat: the workflow has no such param (it has date)",
            "trigger \"t\": params.date: required by the workflow (it has no default), and the"
                + " trigger does not set it");
    assertThat(problems("{name: t, signals: [{name: s}]}", "[{name: date, default: x}]")).isEmpty();
  }

  @Test
  void templatesSeeOnlyTheirSignals() {
    assertThat(problems("{name: t, signals: [{name: s}], params: {date: '${params.x}'}}", DATE))
        .containsExactly(
            "trigger \"t\": params.date: reads params; a trigger's params see only signal and"
                + " signals");
    assertThat(
            problems(
                "{name: t, signals: [{name: s}], params: {date: '${signals.other.params.x}'}}",
                DATE))
        .containsExactly(
            "trigger \"t\": params.date: reads signals[\"other\"], which the trigger does not"
                + " select");
    assertThat(
            problems(
                "{name: t, signals: [{name: a}, {name: b}], joinOn: [date],"
                    + " params: {date: '${signal.params.date}'}}",
                DATE))
        .containsExactly(
            "trigger \"t\": params.date: reads signal, which only a single-signal trigger has;"
                + " use signals");
    assertThat(problems("{name: t, signals: [{name: s}], params: {date: '${signal.'}}", DATE))
        .singleElement()
        .asString()
        .startsWith("trigger \"t\": params.date: ");
  }

  @Test
  void aJoinNeedsKeysAndDistinctSignals() {
    assertThat(problems("{name: t, signals: [{name: a}, {name: b}]}", "[]"))
        .containsExactly(
            "trigger \"t\": joinOn: a join of several signals needs the params they agree on");
    assertThat(problems("{name: t, signals: [{name: a}], joinOn: [date]}", "[]"))
        .containsExactly("trigger \"t\": joinOn: applies only to a join of two or more signals");
    assertThat(problems("{name: t, signals: [{name: a}, {name: a}], joinOn: [date]}", "[]"))
        .containsExactly(
            "trigger \"t\": signals: \"a\" is selected twice; a join's signals have different"
                + " names");
  }

  @Test
  void aJoinOnAKeyTwoSelectorsPinToDifferentValuesCanNeverFire() {
    assertThat(
            problems(
                "{name: t, joinOn: [date], signals: [{name: a, match: [{param: date, value: '1'}]},"
                    + " {name: b, match: [{param: date, value: '2'}]}]}",
                "[]"))
        .containsExactly(
            "trigger \"t\": joinOn date: signals \"a\" (date = \"1\") and \"b\" (date = \"2\")"
                + " can never agree");
    assertThat(
            problems(
                "{name: t, joinOn: [date], signals: [{name: a, match: [{param: date, value: 1}]},"
                    + " {name: b, match: [{param: date, value: 1.0}]}]}",
                "[]"))
        .isEmpty();
  }

  @Test
  void aSelectorsBadConditionIsAProblemOfTheTrigger() {
    assertThat(problems("{name: t, signals: [{name: s, when: 'signal.params.x >'}]}", "[]"))
        .singleElement()
        .asString()
        .startsWith("trigger \"t\": signal \"s\": ");
  }

  @Test
  void aJoinedSignalWithoutTheJoinKeyMatchesNothing() {
    var t = compile("{name: t, signals: [{name: a}, {name: b}], joinOn: [date]}", "[]");
    assertThat(t.selectorOf(signal("a", "x", 1, "{\"date\": \"d\"}"))).isZero();
    assertThat(t.selectorOf(signal("b", "x", 1, "{\"date\": 5}"))).isEqualTo(1);
    assertThat(t.selectorOf(signal("a", "x", 1, "{}"))).isEqualTo(-1);
    assertThat(t.selectorOf(signal("a", "x", 1, "{\"date\": null}"))).isEqualTo(-1);
    assertThat(t.selectorOf(signal("c", "x", 1, "{\"date\": \"d\"}"))).isEqualTo(-1);
  }

  @Test
  void aConditionThatFailsOnASignalDoesNotMatchIt() {
    var t = compile("{name: t, signals: [{name: s, when: 'signal.params.rows > 10'}]}", "[]");
    assertThat(t.selectorOf(signal("s", "x", 1, "{\"rows\": 11}"))).isZero();
    assertThat(t.selectorOf(signal("s", "x", 1, "{\"rows\": 1}"))).isEqualTo(-1);
    assertThat(t.selectorOf(signal("s", "x", 1, "{}"))).isEqualTo(-1);
  }

  @Test
  void joinKeysCompareNumbersAsNumbers() {
    var t = compile("{name: t, signals: [{name: a}, {name: b}], joinOn: [n]}", "[]");
    assertThat(t.joinKey(signal("a", "x", 1, "{\"n\": 1}")))
        .isEqualTo(t.joinKey(signal("b", "y", 1, "{\"n\": 1.0}")));
    assertThat(t.joinKey(signal("a", "x", 1, "{\"n\": 1}")))
        .isEqualTo(t.joinKey(signal("b", "y", 1, "{\"n\": \"1\"}")));
  }
}
