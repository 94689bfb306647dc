package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.baton.api.Step;
import dev.baton.api.WorkflowSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Inner steps (a foreach or while step's {@code steps}) are untyped in the CRD's schema, so the API
 * server accepts any JSON there. The model keeps them raw and the compiler reads them strictly:
 * every field known, every value of its declared kind, nothing coerced; each problem names the step
 * and the field.
 */
class StrictNestedStepsTest {
  /** A foreach step "l" whose body is {@code body}, a YAML flow sequence. */
  static String loop(String body) {
    return "steps: [{id: l, type: foreach, foreach: {over: [{name: x, values: [1]}]}, steps: "
        + body
        + "}]";
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        arguments(
            "dependsOn a string",
            loop("[{id: a, type: noop}, {id: load, type: noop, dependsOn: a}]"),
            "step \"load\": dependsOn: expected a list of step ids, got a string"),
        arguments(
            "dependsOn an object",
            loop("[{id: load, type: noop, dependsOn: {a: 1}}]"),
            "step \"load\": dependsOn: expected a list of step ids, got an object"),
        arguments(
            "dependsOn a list of numbers",
            loop("[{id: load, type: noop, dependsOn: [1]}]"),
            "step \"load\": dependsOn[0]: expected a string, got an integer"),
        arguments(
            "unknown field, close to one",
            loop("[{id: load, type: noop, retires: {userErrors: 1}}]"),
            "step \"load\": unknown field \"retires\" (did you mean \"retry\"?)"),
        arguments(
            "dependOn for dependsOn",
            loop("[{id: a, type: noop}, {id: load, type: noop, dependOn: [a]}]"),
            "step \"load\": unknown field \"dependOn\" (did you mean \"dependsOn\"?)"),
        arguments(
            "unknown field, nothing close",
            loop("[{id: load, type: noop, zzzzzzzz: 1}]"),
            "step \"load\": unknown field \"zzzzzzzz\""),
        arguments(
            "unknown field in a nested object",
            loop("[{id: load, type: noop, retry: {userErors: 1}}]"),
            "step \"load\": retry: unknown field \"userErors\" (did you mean \"userErrors\"?)"),
        arguments(
            "id a number",
            loop("[{id: 5, type: noop}]"),
            "spec.steps[0].steps[0]: id: expected a string, got an integer"),
        arguments(
            "type not a step type",
            loop("[{id: load, type: jobb}]"),
            "step \"load\": type: \"jobb\" is not one of job, noop, sleep, foreach, while, subworkflow, signal (did you mean \"job\"?)"),
        arguments(
            "type a list",
            loop("[{id: load, type: [noop]}]"),
            "step \"load\": type: expected one of job, noop, sleep, foreach, while, subworkflow, signal, got a list"),
        arguments(
            "description a number",
            loop("[{id: load, type: noop, description: 5}]"),
            "step \"load\": description: expected a string, got an integer"),
        arguments(
            "if a boolean",
            loop("[{id: load, type: noop, if: true}]"),
            "step \"load\": if: expected a string, got a boolean"),
        arguments(
            "timeout a number",
            loop("[{id: load, type: noop, timeout: 30}]"),
            "step \"load\": timeout: expected a string, got an integer"),
        arguments(
            "sleep a number",
            loop("[{id: load, type: sleep, sleep: 30}]"),
            "step \"load\": sleep: expected a string, got an integer"),
        arguments(
            "params a list",
            loop("[{id: load, type: noop, params: [a]}]"),
            "step \"load\": params: expected a map of strings, got a list"),
        arguments(
            "a param a number",
            loop("[{id: load, type: noop, params: {n: 3}}]"),
            "step \"load\": params.n: expected a string, got an integer"),
        arguments(
            "job a string",
            loop("[{id: load, job: busybox}]"),
            "step \"load\": job: expected an object, got a string"),
        arguments(
            "job.command a string",
            loop("[{id: load, job: {image: busybox, command: echo hi}}]"),
            "step \"load\": job.command: expected a list of strings, got a string"),
        arguments(
            "job.env entry value a number",
            loop("[{id: load, job: {image: busybox, env: [{name: N, value: 3}]}}]"),
            "step \"load\": job.env[0].value: expected a string, got an integer"),
        arguments(
            "job.env entry unknown field",
            loop("[{id: load, job: {image: busybox, env: [{name: N, vaule: x}]}}]"),
            "step \"load\": job.env[0]: unknown field \"vaule\" (did you mean \"value\"?)"),
        arguments(
            "job.resources quantity not one",
            loop("[{id: load, job: {image: busybox, resources: {limits: {cpu: [1]}}}}]"),
            "step \"load\": job.resources.limits.cpu: not a quantity such as 500m or 1Gi"),
        arguments(
            "job.nodeSelector a list",
            loop("[{id: load, job: {image: busybox, nodeSelector: [a]}}]"),
            "step \"load\": job.nodeSelector: expected a map of strings, got a list"),
        arguments(
            "retry.userErrors a string",
            loop("[{id: load, type: noop, retry: {userErrors: '3'}}]"),
            "step \"load\": retry.userErrors: expected an integer, got a string"),
        arguments(
            "retry.backoff.factor a fraction",
            loop("[{id: load, type: noop, retry: {backoff: {factor: 2.5}}}]"),
            "step \"load\": retry.backoff.factor: expected an integer, got a number"),
        arguments(
            "retry.backoff.type not one",
            loop("[{id: load, type: noop, retry: {backoff: {type: exponental}}}]"),
            "step \"load\": retry.backoff.type: \"exponental\" is not one of"),
        arguments(
            "failureMode not one",
            loop("[{id: load, type: noop, failureMode: IGNORE}]"),
            "step \"load\": failureMode: \"IGNORE\" is not one of"),
        arguments(
            "foreach.concurrency too large for an integer",
            loop(
                "[{id: inner, type: foreach, foreach: {over: [{name: y, values: [1]}], concurrency: 99999999999}, steps: [{id: a, type: noop}]}]"),
            "step \"inner\": foreach.concurrency: 99999999999 is too large for an integer"),
        arguments(
            "foreach.over an object",
            loop(
                "[{id: inner, type: foreach, foreach: {over: {name: y}}, steps: [{id: a, type: noop}]}]"),
            "step \"inner\": foreach.over: expected a list of objects, got an object"),
        arguments(
            "while.maxIterations a string",
            loop(
                "[{id: w, type: while, while: {condition: 'false', maxIterations: '5'}, steps: [{id: a, type: noop}]}]"),
            "step \"w\": while.maxIterations: expected an integer, got a string"),
        arguments(
            "subworkflow.mode not one",
            loop("[{id: sub, type: subworkflow, subworkflow: {workflow: other, mode: later}}]"),
            "step \"sub\": subworkflow.mode: \"later\" is not one of"),
        arguments(
            "steps of an inner loop a string",
            loop("[{id: inner, type: while, while: {condition: 'false'}, steps: a}]"),
            "step \"inner\": steps: expected a list of steps, got a string"),
        arguments(
            "an inner step a string",
            loop("[{id: a, type: noop}, load]"),
            "spec.steps[0].steps[1]: expected a step (an object), got a string"),
        arguments(
            "two levels deep",
            loop(
                "[{id: inner, type: while, while: {condition: 'false'}, steps: [{id: b, type: noop}, {id: deep, type: noop, dependsOn: b, retires: {}}]}]"),
            "step \"deep\": dependsOn: expected a list of step ids, got a string"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void isRejectedNamingTheStepAndTheField(String name, String yaml, String expected) {
    List<String> problems = problemsOf(Specs.parse(yaml));
    assertThat(problems)
        .as("problems for: %s", name)
        .anySatisfy(p -> assertThat(p).startsWith(expected));
    assertThat(problems)
        .allSatisfy(p -> assertThat(p).matches(MalformedDefinitionsTest.WHERE + ".+"));
  }

  @Test
  void everyProblemIsReportedAtOnceAtEveryLevel() {
    List<String> problems =
        problemsOf(
            Specs.parse(
                loop(
                    "[{id: a, type: noop, dependsOn: x, timeout: 5},"
                        + " {id: inner, type: while, while: {condition: 'false'},"
                        + "  steps: [{id: b, type: noop}, {id: deep, type: noop, dependsOn: b, retires: {}}]}]")));
    assertThat(problems)
        .contains(
            "step \"a\": dependsOn: expected a list of step ids, got a string",
            "step \"a\": timeout: expected a string, got an integer",
            "step \"deep\": dependsOn: expected a list of step ids, got a string",
            "step \"deep\": unknown field \"retires\" (did you mean \"retry\"?)");
  }

  @Test
  void theModelReadsAnyJsonAsInnerSteps() {
    // What the informer does: no content of a loop's body may fail to deserialize.
    WorkflowSpec spec =
        Specs.parse(
            loop(
                "[{id: load, dependsOn: a, retires: 3, job: busybox, steps: {x: [1, {y: z}]}}, 7, null, [1]]"));
    assertThat(spec.steps.getFirst().steps.size()).isEqualTo(4);
    Step loop =
        Specs.parse(loop("[{id: inner, type: while, steps: just a string}]")).steps.getFirst();
    assertThat(loop.steps.getFirst().get("steps").isTextual()).isTrue();
  }

  @Test
  void aWellFormedBodyStillCompiles() {
    CompiledWorkflow wf =
        Specs.compile(
            loop(
                "[{id: a, type: noop, params: {n: '${loop.x}'}, retry: {userErrors: 1, backoff: {type: fixed, delay: 5s}}},"
                    + " {id: b, job: {image: busybox, command: [echo], env: [{name: N, value: v}],"
                    + "  resources: {limits: {cpu: 500m, memory: 1Gi}}}, dependsOn: [a], failureMode: IGNORE_FAILURE}]"));
    assertThat(wf.steps()).hasSize(1);
  }

  private static List<String> problemsOf(WorkflowSpec spec) {
    Throwable t = catchThrowable(() -> new WorkflowCompiler().compile(spec));
    assertThat(t)
        .as("compiling must fail with InvalidDefinitionException")
        .isInstanceOf(InvalidDefinitionException.class);
    return ((InvalidDefinitionException) t).problems();
  }
}
