package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.ParamSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A child run's params arrive as strings and become their declared types. */
class ParamsFromStringsTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The same declarations as for supplied params: one of each type. */
  private static final List<ParamSpec> DECLARED = ParamResolverTest.DECLARED;

  private static Map<String, JsonNode> strings(String... kv) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], F.textNode(kv[i + 1]));
    return m;
  }

  private static List<String> problems(Map<String, JsonNode> supplied) {
    try {
      ParamResolver.fromStrings(DECLARED, supplied);
    } catch (InvalidDefinitionException e) {
      return e.problems();
    }
    throw new AssertionError("expected the params to be rejected");
  }

  @Test
  void eachStringBecomesItsDeclaredType() throws Exception {
    Map<String, JsonNode> converted =
        ParamResolver.fromStrings(
            DECLARED,
            strings(
                "date",
                "2026-01-02",
                "limit",
                "7",
                "ratio",
                "0.25",
                "dryRun",
                "true",
                "tables",
                "[\"x\", \"y\"]",
                "options",
                "{\"mode\": \"slow\"}"));

    assertThat(converted)
        .containsEntry("date", F.textNode("2026-01-02"))
        .containsEntry("limit", F.numberNode(7))
        .containsEntry("ratio", F.numberNode(0.25))
        .containsEntry("dryRun", F.booleanNode(true))
        .containsEntry("tables", F.arrayNode().add("x").add("y"))
        .containsEntry("options", F.objectNode().put("mode", "slow"));
  }

  @Test
  void aStringParamKeepsTextThatLooksLikeANumber() throws Exception {
    assertThat(ParamResolver.fromStrings(DECLARED, strings("date", "20260102")))
        .containsEntry("date", F.textNode("20260102"));
  }

  @Test
  void theConvertedParamsResolveAsTyped() throws Exception {
    Map<String, JsonNode> resolved =
        ParamResolver.resolve(
            DECLARED, ParamResolver.fromStrings(DECLARED, strings("date", "d", "limit", "5.0")));
    assertThat(resolved.get("limit").isIntegralNumber()).isTrue();
    assertThat(resolved.get("limit").intValue()).isEqualTo(5);
  }

  @Test
  void aValueThatDoesNotParseIsRejectedNamingTheParam() {
    assertThat(problems(strings("limit", "ten")))
        .containsExactly("spec.params.limit: \"ten\" does not parse as integer");
    assertThat(problems(strings("limit", "2.5")))
        .containsExactly("spec.params.limit: \"2.5\" does not parse as integer");
    assertThat(problems(strings("limit", "5 6")))
        .containsExactly("spec.params.limit: \"5 6\" does not parse as integer");
    assertThat(problems(strings("limit", "")))
        .containsExactly("spec.params.limit: \"\" does not parse as integer");
    assertThat(problems(strings("ratio", "half")))
        .containsExactly("spec.params.ratio: \"half\" does not parse as number");
    assertThat(problems(strings("dryRun", "yes")))
        .containsExactly("spec.params.dryRun: \"yes\" does not parse as boolean");
    assertThat(problems(strings("options", "[1]")))
        .containsExactly("spec.params.options: \"[1]\" does not parse as object");
    assertThat(problems(strings("tables", "[a")).getFirst())
        .startsWith("spec.params.tables: \"[a\" does not parse as array (");
  }

  @Test
  void everyBadValueIsReportedAtOnce() {
    assertThat(problems(strings("limit", "x", "dryRun", "y"))).hasSize(2);
  }

  @Test
  void undeclaredNamesAndTypedValuesAreLeftForResolveToJudge() throws Exception {
    Map<String, JsonNode> supplied = new LinkedHashMap<>(strings("nope", "1"));
    supplied.put("limit", F.numberNode(3));
    assertThat(ParamResolver.fromStrings(DECLARED, supplied)).isEqualTo(supplied);
    assertThatThrownBy(
            () -> ParamResolver.resolve(DECLARED, ParamResolver.fromStrings(DECLARED, supplied)))
        .hasMessageContaining("spec.params.nope: the workflow has no such param");
  }

  @Test
  void noParamsStayNone() throws Exception {
    assertThat(ParamResolver.fromStrings(DECLARED, null)).isNull();
  }
}
