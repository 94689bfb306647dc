package dev.baton.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Json;
import dev.baton.api.SignalSelector;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Scope;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignalMatcherTest {
  private static SignalSelector selector(String yaml) throws Exception {
    return io.fabric8.kubernetes.client.utils.Serialization.yamlMapper()
        .readValue(yaml, SignalSelector.class);
  }

  private static Map<String, JsonNode> params(String json) throws Exception {
    return Json.MAPPER.readValue(
        json,
        Json.MAPPER.getTypeFactory().constructMapType(Map.class, String.class, JsonNode.class));
  }

  private static boolean matches(String selector, String name, String params) throws Exception {
    return SignalMatcher.compile(selector(selector)).matches(name, params(params), Scope.EMPTY);
  }

  @Test
  void nameAloneMatchesEverySignalOfThatName() throws Exception {
    assertThat(matches("name: table-ready", "table-ready", "{}")).isTrue();
    assertThat(matches("name: table-ready", "model-ready", "{}")).isFalse();
  }

  @Test
  void equalityComparesNumbersAsNumbersAndTheRestAsText() throws Exception {
    String sel = "{name: s, match: [{param: n, value: 1}]}";
    assertThat(matches(sel, "s", "{\"n\": 1.0}")).isTrue();
    assertThat(matches(sel, "s", "{\"n\": 2}")).isFalse();
    assertThat(matches(sel, "s", "{\"n\": \"1\"}")).isTrue(); // as text: "1" = "1"
    assertThat(matches("{name: s, match: [{param: t, value: events}]}", "s", "{\"t\": \"events\"}"))
        .isTrue();
    assertThat(matches("{name: s, match: [{param: b, value: true}]}", "s", "{\"b\": true}"))
        .isTrue();
  }

  @Test
  void orderingOperators() throws Exception {
    String ge = "{name: s, match: [{param: date, op: '>=', value: '2026-01-01'}]}";
    assertThat(matches(ge, "s", "{\"date\": \"2026-01-01\"}")).isTrue();
    assertThat(matches(ge, "s", "{\"date\": \"2025-12-31\"}")).isFalse();
    String lt = "{name: s, match: [{param: n, op: '<', value: 10}]}";
    assertThat(matches(lt, "s", "{\"n\": 9}")).isTrue();
    assertThat(matches(lt, "s", "{\"n\": 10}")).isFalse();
    assertThat(matches("{name: s, match: [{param: n, op: '!=', value: 10}]}", "s", "{\"n\": 9}"))
        .isTrue();
    assertThat(matches("{name: s, match: [{param: n, op: '<=', value: 10}]}", "s", "{\"n\": 10}"))
        .isTrue();
    assertThat(matches("{name: s, match: [{param: n, op: '>', value: 10}]}", "s", "{\"n\": 10}"))
        .isFalse();
  }

  @Test
  void aMissingOrNonScalarParamMatchesNothing() throws Exception {
    String ne = "{name: s, match: [{param: n, op: '!=', value: 1}]}";
    assertThat(matches(ne, "s", "{}")).isFalse();
    assertThat(matches(ne, "s", "{\"n\": null}")).isFalse();
    assertThat(matches(ne, "s", "{\"n\": [1]}")).isFalse();
  }

  @Test
  void everyConditionMustHold() throws Exception {
    String sel =
        "{name: s, match: [{param: table, value: events}, {param: rows, op: '>', value: 0}]}";
    assertThat(matches(sel, "s", "{\"table\": \"events\", \"rows\": 5}")).isTrue();
    assertThat(matches(sel, "s", "{\"table\": \"events\", \"rows\": 0}")).isFalse();
  }

  @Test
  void whenSeesTheSignal() throws Exception {
    String sel = "{name: s, when: \"signal.params.rows > 1000 && signal.name == 's'\"}";
    assertThat(matches(sel, "s", "{\"rows\": 1001}")).isTrue();
    assertThat(matches(sel, "s", "{\"rows\": 10}")).isFalse();
  }

  @Test
  void valuesRenderAgainstTheScope() throws Exception {
    SignalMatcher m =
        SignalMatcher.compile(
            selector("{name: s, match: [{param: date, value: '${params.day}'}]}"));
    Scope scope = new Scope(Map.of("day", "2026-01-02"), Map.of());
    assertThat(m.matches("s", params("{\"date\": \"2026-01-02\"}"), scope)).isTrue();
    assertThat(m.matches("s", params("{\"date\": \"2026-01-03\"}"), scope)).isFalse();
  }

  @Test
  void aBadExpressionFailsAtCompile() {
    assertThatThrownBy(() -> SignalMatcher.compile(selector("{name: s, when: 'signal.'}")))
        .isInstanceOf(ExpressionException.class);
    assertThatThrownBy(() ->
            SignalMatcher.compile(selector("{name: s, match: [{param: d, value: '${params.}'}]}")))
        .isInstanceOf(ExpressionException.class);
  }
}
