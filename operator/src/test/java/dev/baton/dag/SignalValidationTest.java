package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.baton.api.StepType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Signal steps and output signals: what the compiler takes, and what it refuses, naming the step.
 */
class SignalValidationTest {
  static List<String> problems(String yaml) {
    InvalidDefinitionException e =
        catchThrowableOfType(
            InvalidDefinitionException.class,
            () -> new WorkflowCompiler().compile(Specs.parse(yaml)));
    assertThat(e).as("expected the definition to be refused").isNotNull();
    return e.problems();
  }

  /** {@code inner} as the only step of a foreach's body: read by NestedSteps, not the schema. */
  static String inLoop(String inner) {
    return """
    steps:
      - id: each
        type: foreach
        foreach: {over: [{name: day, values: [a]}]}
        steps: [%s]
    """
        .formatted(inner);
  }

  @Test
  void aSignalStepCompilesItsSelectorAndTimeout() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            steps:
              - {id: up, type: noop}
              - id: wait
                type: signal
                dependsOn: [up]
                signal:
                  name: table-ready
                  match: [{param: date, op: ">=", value: "${steps.up.outputs.day}"}, {param: n, value: 3}]
                  when: signal.params.rows > 10
                  timeout: 6h
            """);
    CompiledStep s = wf.step("wait");
    assertThat(s.type()).isEqualTo(StepType.SIGNAL);
    assertThat(s.signals().awaited().name()).isEqualTo("table-ready");
    assertThat(s.signals().waitTimeout()).isEqualTo(Duration.ofHours(6));
    assertThat(s.signals().waitTemplates()).containsOnlyKeys("date");
    assertThat(wf.read()).contains("up");
  }

  @Test
  void outputSignalsMayReadTheStepsOwnResult() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            steps:
              - id: load
                job: {image: busybox}
                signals: [{name: table-ready, params: {rows: "${steps.load.outputs.rows}"}}]
            """);
    assertThat(wf.step("load").signals().emits()).hasSize(1);
    assertThat(wf.read()).contains("load");
  }

  @Test
  void aStepMayNotReadItsOwnResultOutsideItsOutputSignals() {
    assertThat(
            problems(
                """
                steps:
                  - id: load
                    job: {image: busybox, args: ["${steps.load.outputs.rows}"]}
                    signals: [{name: done, params: {rows: "${steps.load.outputs.rows}"}}]
                """))
        .anySatisfy(p -> assertThat(p).startsWith("step \"load\": refers to steps.load"));
  }

  @Test
  void outputSignalsMayReadOnlyUpstreamSteps() {
    assertThat(
            problems(
                """
                steps:
                  - {id: a, type: noop}
                  - id: b
                    type: noop
                    signals: [{name: done, params: {x: "${steps.a.outputs.x}"}}]
                """))
        .containsExactly(
            "step \"b\": refers to steps.a, which is not upstream of it; add it to dependsOn");
  }

  @Test
  void aSignalStepNeedsSignal() {
    assertThat(problems(inLoop("{id: wait, type: signal}")))
        .anySatisfy(p -> assertThat(p).startsWith("step \"wait\": a signal step needs signal"));
  }

  @Test
  void onlyASignalStepMayHaveSignal() {
    assertThat(problems(inLoop("{id: w, type: noop, signal: {name: go}}")))
        .contains("step \"w\": only a signal step may have signal");
  }

  @Test
  void badSelectorsInALoopBodyAreNamed() {
    List<String> found =
        problems(
            inLoop(
                """
                {id: wait, type: signal, signal: {name: Bad_Name, timeout: 5x, when: "signal.params.x >",
                 match: [{param: d, value: "${loop.day"}, {param: e, value: [1]}]}}
                """));
    assertThat(found)
        .anySatisfy(p ->
            assertThat(p)
                .startsWith("step \"wait\": signal: name \"Bad_Name\" is not a signal name"))
        .anySatisfy(p ->
            assertThat(p).startsWith("step \"wait\": signal: timeout: \"5x\" is not a duration"))
        .anySatisfy(p ->
            assertThat(p)
                .startsWith(
                    "step \"wait\": signal: match[0]: '${loop.day' has a ${ with no closing }"))
        .anySatisfy(p ->
            assertThat(p)
                .startsWith(
                    "step \"wait\": signal: match[1]: value must be a string, number or boolean"))
        .anySatisfy(
            p -> assertThat(p).startsWith("step \"wait\": signal: when: 'signal.params.x >'"));
  }

  @Test
  void anUnknownFieldInANestedSignalIsNamed() {
    assertThat(problems(inLoop("{id: wait, type: signal, signal: {name: go, timout: 1h}}")))
        .anySatisfy(p ->
            assertThat(p)
                .startsWith(
                    "step \"wait\": signal: unknown field \"timout\" (did you mean \"timeout\"?)"));
  }

  @Test
  void badOutputSignalsAreNamed() {
    List<String> found =
        problems(
            inLoop(
                """
                {id: load, type: noop, signals: [{name: "no good"}, {name: ok, params: {"bad name": x, y: "${"}}]}
                """));
    assertThat(found)
        .anySatisfy(p ->
            assertThat(p)
                .startsWith("step \"load\": signals[0]: name \"no good\" is not a signal name"))
        .anySatisfy(p ->
            assertThat(p)
                .startsWith("step \"load\": signals[1]: param name \"bad name\" must match"))
        .anySatisfy(p ->
            assertThat(p)
                .startsWith(
                    "step \"load\": signals[1]: params.y: '${' has a ${ with no closing }"));
  }

  @Test
  void aSelectorMayReadOnlyUpstreamSteps() {
    assertThat(
            problems(
                """
                steps:
                  - {id: a, type: noop}
                  - id: wait
                    type: signal
                    signal: {name: go, match: [{param: x, value: "${steps.a.outputs.x}"}]}
                """))
        .containsExactly(
            "step \"wait\": refers to steps.a, which is not upstream of it; add it to dependsOn");
  }
}
