package dev.baton.signals;

import static dev.baton.signals.TriggerFixtures.compile;
import static dev.baton.signals.TriggerFixtures.signal;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignalJoinsTest {
  static List<List<String>> objects(List<List<SignalView>> runs) {
    return runs.stream().map(r -> r.stream().map(SignalView::object).toList()).toList();
  }

  @Test
  void aSingleSignalTriggerStartsOneRunPerMatchingSignal() {
    var t =
        compile("{name: t, signals: [{name: s, match: [{param: n, op: '>', value: 1}]}]}", "[]");
    var runs =
        SignalJoins.runs(
            t,
            List.of(
                signal("s", "b", 2, "{\"n\": 5}"),
                signal("s", "a", 1, "{\"n\": 5}"),
                signal("s", "c", 3, "{\"n\": 0}"),
                signal("other", "d", 3, "{\"n\": 5}")));
    assertThat(objects(runs)).containsExactly(List.of("a"), List.of("b"));
  }

  @Test
  void aJoinWaitsForEverySignalOfItsKey() {
    var t = compile("{name: t, signals: [{name: a}, {name: b}], joinOn: [date]}", "[]");
    assertThat(SignalJoins.runs(t, List.of(signal("a", "a1", 1, "{\"date\": \"d1\"}")))).isEmpty();
    var runs =
        SignalJoins.runs(
            t,
            List.of(
                signal("a", "a1", 1, "{\"date\": \"d1\"}"),
                signal("b", "b2", 2, "{\"date\": \"d2\"}"),
                signal("b", "b1", 3, "{\"date\": \"d1\"}")));
    assertThat(objects(runs)).containsExactly(List.of("a1", "b1"));
  }

  @Test
  void eachSignalJoinsOneRunInArrivalOrder() {
    var t = compile("{name: t, signals: [{name: a}, {name: b}], joinOn: [date]}", "[]");
    var runs =
        SignalJoins.runs(
            t,
            List.of(
                signal("a", "a2", 2, "{\"date\": \"d\"}"),
                signal("a", "a1", 1, "{\"date\": \"d\"}"),
                signal("a", "a3", 3, "{\"date\": \"d\"}"),
                signal("b", "b1", 4, "{\"date\": \"d\"}"),
                signal("b", "b2", 5, "{\"date\": \"d\"}")));
    // a3 waits for a third b.
    assertThat(objects(runs)).containsExactly(List.of("a1", "b1"), List.of("a2", "b2"));
  }

  @Test
  void sameSecondTiesBreakByObjectName() {
    var t = compile("{name: t, signals: [{name: a}, {name: b}], joinOn: [date]}", "[]");
    var runs =
        SignalJoins.runs(
            t,
            List.of(
                signal("a", "a-y", 1, "{\"date\": \"d\"}"),
                signal("a", "a-x", 1, "{\"date\": \"d\"}"),
                signal("b", "b1", 1, "{\"date\": \"d\"}")));
    assertThat(objects(runs)).containsExactly(List.of("a-x", "b1"));
  }

  @Test
  void aJoinOnSeveralKeysNeedsAllToAgree() {
    var t = compile("{name: t, signals: [{name: a}, {name: b}], joinOn: [date, region]}", "[]");
    var runs =
        SignalJoins.runs(
            t,
            List.of(
                signal("a", "a1", 1, "{\"date\": \"d\", \"region\": \"eu\"}"),
                signal("b", "b1", 2, "{\"date\": \"d\", \"region\": \"us\"}"),
                signal("b", "b2", 3, "{\"date\": \"d\", \"region\": \"eu\"}")));
    assertThat(objects(runs)).containsExactly(List.of("a1", "b2"));
  }

  @Test
  void signalsWithoutTheKeyOrNotMatchingNeverJoin() {
    var t =
        compile(
            "{name: t, joinOn: [date], signals: [{name: a, match: [{param: ok, value: true}]},"
                + " {name: b}]}",
            "[]");
    var runs =
        SignalJoins.runs(
            t,
            List.of(
                signal("a", "a1", 1, "{\"date\": \"d\", \"ok\": false}"),
                signal("a", "a2", 1, "{\"ok\": true}"),
                signal("b", "b1", 2, "{\"date\": \"d\"}")));
    assertThat(runs).isEmpty();
  }
}
