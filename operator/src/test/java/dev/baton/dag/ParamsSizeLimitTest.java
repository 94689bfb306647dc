package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.ParamSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A run's params are at most 64 KiB as JSON: more is refused when the run starts. */
class ParamsSizeLimitTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static final List<ParamSpec> DECLARED =
      Specs.compile(
              """
              params:
                - {name: data}
                - {name: rows, type: array, default: []}
              steps: [{id: a, type: noop}]
              """)
          .params();

  @Test
  void paramsOfAHundredKibibytesAreRefused() {
    Map<String, JsonNode> supplied = Map.of("data", F.textNode("x".repeat(100 * 1024)));
    // {"data":"xxx..."}: 11 bytes around the value.
    assertThatThrownBy(() -> ParamResolver.resolve(DECLARED, supplied))
        .isInstanceOf(InvalidDefinitionException.class)
        .satisfies(e ->
            assertThat(((InvalidDefinitionException) e).problems())
                .containsExactly("spec.params are 102411 bytes, over the 64 KiB limit"));
  }

  @Test
  void manySmallParamsAddUp() {
    var rows = F.arrayNode();
    for (int i = 0; i < 10_000; i++) rows.add("row-" + i);
    Map<String, JsonNode> supplied = Map.of("data", F.textNode("d"), "rows", rows);
    assertThatThrownBy(() -> ParamResolver.resolve(DECLARED, supplied))
        .isInstanceOf(InvalidDefinitionException.class)
        .hasMessageContaining("spec.params are ")
        .hasMessageContaining("bytes, over the 64 KiB limit");
  }

  @Test
  void paramsJustUnderTheLimitAreTaken() throws Exception {
    Map<String, JsonNode> supplied = Map.of("data", F.textNode("x".repeat(64 * 1024 - 100)));
    assertThat(ParamResolver.resolve(DECLARED, supplied)).containsKeys("data", "rows");
  }

  @Test
  void defaultsCountToo() {
    List<ParamSpec> declared =
        Specs.compile(
                """
                params:
                  - {name: data}
                  - {name: big, default: "%s"}
                steps: [{id: a, type: noop}]
                """
                    .formatted("y".repeat(40 * 1024)))
            .params();
    Map<String, JsonNode> supplied = Map.of("data", F.textNode("x".repeat(40 * 1024)));
    assertThatThrownBy(() -> ParamResolver.resolve(declared, supplied))
        .isInstanceOf(InvalidDefinitionException.class)
        // {"data":"x...","big":"y..."}: 20 bytes around the values.
        .hasMessageContaining(
            "params with the workflow's defaults are 81940 bytes, over the 64 KiB limit");
  }
}
