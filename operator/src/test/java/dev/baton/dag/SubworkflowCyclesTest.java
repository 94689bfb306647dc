package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.WorkflowSpec;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubworkflowCyclesTest {
  /** A namespace of Workflows by name. */
  private final Map<String, WorkflowSpec> namespace = new HashMap<>();

  private WorkflowSpec put(String name, String yaml) {
    WorkflowSpec spec = Specs.parse(yaml);
    namespace.put(name, spec);
    return spec;
  }

  private static String calling(String stepId, String workflow) {
    return """
    steps:
      - id: first
        type: noop
      - id: %s
        type: subworkflow
        subworkflow: {workflow: %s}
    """
        .formatted(stepId, workflow);
  }

  private java.util.List<String> cyclesOf(String name) {
    return SubworkflowCycles.find(name, namespace.get(name), namespace::get);
  }

  @Test
  void aWorkflowCallingItselfDirectlyIsACycle() {
    put("a", calling("again", "a"));
    assertThat(cyclesOf("a")).containsExactly("step \"again\": workflow a calls itself: a -> a");
  }

  @Test
  void aCycleThroughOtherWorkflowsIsNamedInFull() {
    put("a", calling("x", "b"));
    put("b", calling("y", "c"));
    put("c", calling("z", "a"));
    assertThat(cyclesOf("a"))
        .containsExactly("step \"x\": workflow a calls itself: a -> b -> c -> a");
    assertThat(cyclesOf("b"))
        .containsExactly("step \"y\": workflow b calls itself: b -> c -> a -> b");
  }

  @Test
  void aCallInsideANestedLoopBodyCounts() {
    put(
        "a",
        """
        steps:
          - id: days
            type: foreach
            foreach: {over: [{name: d, values: [1, 2]}]}
            steps:
              - id: again
                type: while
                while: {condition: "false", maxIterations: 2}
                steps:
                  - id: deep
                    type: subworkflow
                    subworkflow: {workflow: b}
        """);
    put("b", calling("back", "a"));
    assertThat(cyclesOf("a"))
        .containsExactly("step \"deep\": workflow a calls itself: a -> b -> a");
  }

  @Test
  void callingAWorkflowThatDoesNotExistIsNoCycle() {
    put("a", calling("x", "missing"));
    assertThat(cyclesOf("a")).isEmpty();
  }

  @Test
  void aDiamondOfCallsWithoutACycleIsFine() {
    put(
        "a",
        """
        steps:
          - {id: left, type: subworkflow, subworkflow: {workflow: b}}
          - {id: right, type: subworkflow, subworkflow: {workflow: c}}
        """);
    put("b", calling("x", "d"));
    put("c", calling("y", "d"));
    put("d", "steps: [{id: leaf, type: noop}]");
    assertThat(cyclesOf("a")).isEmpty();
  }

  @Test
  void aCycleAmongTheCalleesThatDoesNotReturnHereIsTheirsNotOurs() {
    put("a", calling("x", "b"));
    put("b", calling("y", "c"));
    put("c", calling("z", "b"));
    assertThat(cyclesOf("a")).isEmpty();
    assertThat(cyclesOf("b")).containsExactly("step \"y\": workflow b calls itself: b -> c -> b");
  }

  @Test
  void theShortestWayBackIsShownForEachStepThatLeadsThere() {
    put(
        "a",
        """
        steps:
          - {id: long, type: subworkflow, subworkflow: {workflow: b}}
          - {id: short, type: subworkflow, subworkflow: {workflow: c}}
          - {id: fine, type: subworkflow, subworkflow: {workflow: d}}
        """);
    put(
        "b",
        """
        steps:
          - {id: one, type: subworkflow, subworkflow: {workflow: c}}
          - {id: two, type: subworkflow, subworkflow: {workflow: a}}
        """);
    put("c", calling("back", "a"));
    put("d", "steps: [{id: leaf, type: noop}]");
    assertThat(cyclesOf("a"))
        .containsExactly(
            "step \"long\": workflow a calls itself: a -> b -> a",
            "step \"short\": workflow a calls itself: a -> c -> a");
  }

  @Test
  void theWorkflowsOwnSpecIsTheOneValidatedNotTheLookupsOlderCopy() {
    put("b", calling("back", "a"));
    namespace.put("a", Specs.parse("steps: [{id: leaf, type: noop}]"));
    WorkflowSpec edited = Specs.parse(calling("x", "b"));
    assertThat(SubworkflowCycles.find("a", edited, namespace::get)).hasSize(1);
  }
}
