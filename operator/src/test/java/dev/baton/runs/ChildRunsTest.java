package dev.baton.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.ParamSpec;
import dev.baton.api.ParamType;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.runtime.Labels;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildRunsTest {
  private static WorkflowInstance instance(
      Map<String, String> labels, Map<String, String> annotations) {
    WorkflowInstance i = new WorkflowInstance();
    i.setMetadata(
        new ObjectMetaBuilder()
            .withName("i")
            .withLabels(labels)
            .withAnnotations(annotations)
            .build());
    i.setSpec(new WorkflowInstanceSpec());
    i.getSpec().workflow = "a";
    i.getSpec().params = new HashMap<>(Map.of("n", JsonNodeFactory.instance.textNode("3")));
    return i;
  }

  @Test
  void theDeepestAllowedRunMayStart() {
    assertThat(ChildRuns.tooDeep(instance(null, Map.of(Labels.DEPTH, "10")))).isEmpty();
    assertThat(ChildRuns.tooDeep(instance(null, null))).isEmpty();
  }

  @Test
  void aRunPastTheDepthLimitIsRefusedNamingTheChain() {
    String chain = String.join("/", java.util.Collections.nCopies(6, "a/b"));
    assertThat(
            ChildRuns.tooDeep(instance(null, Map.of(Labels.DEPTH, "11", Labels.CALL_CHAIN, chain))))
        .contains(
            "subworkflow depth 11 is over the limit of 10: a -> b -> a -> b -> a -> b -> a -> b -> a -> b -> a -> b");
  }

  @Test
  void aHandMadeChainIsShownOnlyInPart() {
    String chain = String.join("/", java.util.Collections.nCopies(50, "w"));
    String why =
        ChildRuns.tooDeep(instance(null, Map.of(Labels.DEPTH, "49", Labels.CALL_CHAIN, chain)))
            .orElseThrow();
    assertThat(why).endsWith(" -> ...");
    assertThat(why.split(" -> ")).hasSize(13);
  }

  @Test
  void onlyAChildsParamsAreReadAsStrings() throws Exception {
    ParamSpec n = new ParamSpec();
    n.name = "n";
    n.type = ParamType.INTEGER;
    WorkflowInstance child = instance(Map.of(Labels.PARENT, "p"), null);
    WorkflowInstance top = instance(null, null);
    assertThat(ChildRuns.suppliedParams(List.of(n), child).get("n").isInt()).isTrue();
    assertThat(ChildRuns.suppliedParams(List.of(n), top).get("n").isTextual()).isTrue();
  }
}
