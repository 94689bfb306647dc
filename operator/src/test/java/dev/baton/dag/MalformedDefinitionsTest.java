package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.baton.api.WorkflowSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each definition below is wrong in one way. The compiler must reject it with an
 * InvalidDefinitionException (never another exception) whose problems include one that names the
 * step or param and says what is wrong.
 */
class MalformedDefinitionsTest {

  static Stream<Arguments> malformed() {
    return Stream.of(
        arguments(
            "unknown dependsOn, with a suggestion",
            """
            steps:
              - {id: extract, type: noop}
              - {id: load, type: noop, dependsOn: [extact]}
            """,
            List.of("step \"load\"", "dependsOn \"extact\" is not a step", "did you mean \"extract\"?")),
        arguments(
            "unknown dependsOn, nothing close",
            """
            steps:
              - {id: extract, type: noop}
              - {id: load, type: noop, dependsOn: [zzzzzz]}
            """,
            List.of("step \"load\": dependsOn \"zzzzzz\" is not a step")),
        arguments(
            "duplicate ids",
            """
            steps:
              - {id: extract, type: noop}
              - {id: load, type: noop}
              - {id: extract, type: noop}
            """,
            List.of("step \"extract\"", "duplicate id", "spec.steps[0]", "spec.steps[2]")),
        arguments(
            "a three-step cycle",
            """
            steps:
              - {id: extract, type: noop, dependsOn: [load]}
              - {id: transform, type: noop, dependsOn: [extract]}
              - {id: load, type: noop, dependsOn: [transform]}
            """,
            List.of("dependsOn forms a cycle", "extract", "transform", "load")),
        arguments(
            "a step that depends on itself",
            "steps: [{id: a, type: noop, dependsOn: [a]}]",
            List.of("step \"a\": depends on itself")),
        arguments(
            "a dependency named twice",
            "steps: [{id: a, type: noop}, {id: b, type: noop, dependsOn: [a, a]}]",
            List.of("step \"b\": dependsOn names \"a\" twice")),
        arguments(
            "an if that does not compile",
            """
            steps:
              - id: load
                type: noop
                if: "params.env =="
            """,
            List.of("step \"load\": if", "'params.env ==' does not compile")),
        arguments(
            "an if that is not a boolean",
            "steps: [{id: load, type: noop, if: \"1 + 1\"}]",
            List.of("step \"load\": if", "does not compile", "bool")),
        arguments(
            "a ${...} in args that does not compile",
            """
            steps:
              - id: load
                job:
                  image: busybox
                  args: ["--rows=${params.rows +}"]
            """,
            List.of("step \"load\": job", "'params.rows +' does not compile")),
        arguments(
            "a ${ with no closing brace",
            """
            steps:
              - id: load
                job:
                  image: busybox
                  command: ["echo", "${params.date"]
            """,
            List.of("step \"load\": job", "no closing }")),
        arguments(
            "a ${...} in env that does not compile",
            """
            steps:
              - id: load
                job:
                  image: busybox
                  env: [{name: DATE, value: "${params.}"}]
            """,
            List.of("step \"load\": job", "does not compile")),
        arguments(
            "a step param that does not compile",
            """
            steps:
              - id: load
                type: noop
                params: {day: "${)}"}
            """,
            List.of("step \"load\": params.day", "does not compile")),
        arguments(
            "a step param with a bad name",
            "steps: [{id: load, type: noop, params: {\"bad-name\": x}}]",
            List.of("step \"load\": param name \"bad-name\" must match")),
        arguments(
            "a param default of the wrong type",
            """
            params:
              - {name: limit, type: integer, default: "ten"}
            steps: [{id: a, type: noop}]
            """,
            List.of("param \"limit\"", "default \"ten\" is not of type integer")),
        arguments(
            "a boolean param with a number default",
            "params: [{name: dry, type: boolean, default: 1}]\nsteps: [{id: a, type: noop}]",
            List.of("param \"dry\"", "is not of type boolean")),
        arguments(
            "a param declared twice",
            "params: [{name: x}, {name: x}]\nsteps: [{id: a, type: noop}]",
            List.of("param \"x\": declared twice")),
        arguments(
            "a param with a bad name",
            "params: [{name: 1x}]\nsteps: [{id: a, type: noop}]",
            List.of("param \"1x\": name must match")),
        arguments(
            "a definition over 256KiB",
            "steps:\n  - id: a\n    type: noop\n    description: " + "x".repeat(300 * 1024) + "\n",
            List.of("spec: the definition is", "over the limit of 262144")),
        arguments(
            "too many steps",
            manySteps(301),
            List.of("spec.steps: 301 steps, over the limit of 300")),
        arguments(
            "a step timeout that is not a duration",
            "steps: [{id: a, type: noop, timeout: 10 minutes}]",
            List.of("step \"a\": timeout", "\"10 minutes\" is not a duration")),
        arguments(
            "a workflow timeout that is not a duration",
            "timeout: 1y\nsteps: [{id: a, type: noop}]",
            List.of("spec.timeout", "\"1y\" is not a duration")),
        arguments(
            "a workflow timeout over 120d",
            "timeout: 121d\nsteps: [{id: a, type: noop}]",
            List.of("spec.timeout", "121d is over the limit of 120d")),
        arguments(
            "a step timeout over 120d",
            "steps: [{id: a, type: noop, timeout: 2880h1s}]",
            List.of("step \"a\": timeout", "2880h1s is over the limit of 120d")),
        arguments(
            "a zero timeout",
            "steps: [{id: a, type: noop, timeout: 0s}]",
            List.of("step \"a\": timeout", "must be longer than 0s")),
        arguments(
            "an absurdly long duration",
            "steps: [{id: a, type: noop, timeout: " + "1s".repeat(20_000) + "}]",
            List.of("step \"a\": timeout", "is not a duration")),
        arguments(
            "a retry backoff delay that is not a duration",
            "steps: [{id: a, job: {image: busybox}, retry: {backoff: {delay: soon}}}]",
            List.of("step \"a\": retry.backoff.delay", "\"soon\" is not a duration")),
        arguments(
            "a retry backoff maxDelay over the limit",
            "steps: [{id: a, job: {image: busybox}, retry: {backoff: {maxDelay: 1000d}}}]",
            List.of("step \"a\": retry.backoff.maxDelay", "over the limit")),
        arguments(
            "a job step with no image",
            "steps: [{id: a, job: {args: [x]}}]",
            List.of("step \"a\": job.image is required")),
        arguments(
            "a job step with no job",
            "steps: [{id: a}]",
            List.of("step \"a\": a job step needs a job")),
        arguments(
            "a sleep step without sleep",
            "steps: [{id: nap, type: sleep}]",
            List.of("step \"nap\": a sleep step needs sleep")),
        arguments(
            "a sleep step with a bad sleep",
            "steps: [{id: nap, type: sleep, sleep: a while}]",
            List.of("step \"nap\": sleep", "\"a while\" is not a duration")),
        arguments(
            "a noop step with a job",
            "steps: [{id: a, type: noop, job: {image: busybox}}]",
            List.of("step \"a\": only a job step may have a job")),
        arguments(
            "a reference to a step that is not upstream",
            """
            steps:
              - {id: a, type: noop}
              - {id: b, type: noop, dependsOn: [a], if: "steps.c.state == 'Succeeded'"}
              - {id: c, type: noop, dependsOn: [a]}
            """,
            List.of("step \"b\": refers to steps.c, which is not upstream of it", "add it to dependsOn")),
        arguments(
            "a reference to a downstream step in args",
            """
            steps:
              - id: a
                job: {image: busybox, args: ["${steps['b'].outputs.x}"]}
              - {id: b, type: noop, dependsOn: [a]}
            """,
            List.of("step \"a\": refers to steps.b, which is not upstream of it")),
        arguments(
            "a reference to a step that does not exist",
            """
            steps:
              - {id: extract, type: noop}
              - {id: load, type: noop, dependsOn: [extract], if: steps.extrct.outputs.ok}
            """,
            List.of("step \"load\": refers to steps.extrct, which is not a step", "did you mean \"extract\"?")),
        arguments(
            "a podTemplate that is not a PodTemplateSpec",
            """
            steps:
              - id: a
                job:
                  image: busybox
                  podTemplate: {spec: {containers: "main"}}
            """,
            List.of("step \"a\": job.podTemplate is not a PodTemplateSpec")),
        arguments(
            "a podTemplate that is a string",
            "steps: [{id: a, job: {image: busybox, podTemplate: oops}}]",
            List.of("step \"a\": job.podTemplate is not a PodTemplateSpec")),
        arguments(
            "a podTemplate whose container has no image",
            "steps: [{id: a, job: {podTemplate: {spec: {containers: [{name: main}]}}}}]",
            List.of("step \"a\": job.image is required")),
        arguments("empty steps", "steps: []", List.of("spec.steps: a workflow needs at least one step")),
        arguments("no steps at all", "description: nothing", List.of("spec.steps: a workflow needs at least one step")),
        arguments(
            "a step id with upper case",
            "steps: [{id: Extract, type: noop}]",
            List.of("spec.steps[0]: id \"Extract\" must match")),

        // Null-heavy input: what a half-written or hand-edited definition can hold.
        arguments("a null step", "steps: [{id: a, type: noop}, ~]", List.of("spec.steps[1]: id is missing")),
        arguments("a step with no id", "steps: [{type: noop}]", List.of("spec.steps[0]: id is missing")),
        arguments(
            "a null dependsOn entry",
            "steps: [{id: a, type: noop}, {id: b, type: noop, dependsOn: [a, ~]}]",
            List.of("step \"b\": dependsOn", "empty")),
        arguments("a null param", "params: [~]\nsteps: [{id: a, type: noop}]", List.of("param with no name")),
        arguments(
            "a param with no name",
            "params: [{type: string}]\nsteps: [{id: a, type: noop}]",
            List.of("param with no name")),
        arguments(
            "a null args entry",
            "steps: [{id: a, job: {image: busybox, args: [x, ~]}}]",
            List.of("step \"a\": job.args[1]", "null")),
        arguments(
            "a null command entry",
            "steps: [{id: a, job: {image: busybox, command: [~]}}]",
            List.of("step \"a\": job.command[0]", "null")),
        arguments(
            "a null env entry",
            "steps: [{id: a, job: {image: busybox, env: [~]}}]",
            List.of("step \"a\": job.env[0]", "null")),
        arguments(
            "a podTemplate with a null container",
            "steps: [{id: a, job: {podTemplate: {spec: {containers: [~]}}}}]",
            List.of("step \"a\": job.image is required")));
  }

  /** Every problem starts by saying where it is: a step, a param, or a spec field. */
  static final String WHERE =
      "(step \"[^\"]+\": |param (\"[^\"]+\"|with no name): |spec(\\.[a-z]+)?(\\[\\d+\\])?: )";

  static String manySteps(int n) {
    StringBuilder sb = new StringBuilder("steps:\n");
    for (int i = 0; i < n; i++) sb.append("  - {id: s").append(i).append(", type: noop}\n");
    return sb.toString();
  }

  private static List<String> problemsOf(WorkflowSpec spec) {
    Throwable t = catchThrowable(() -> new WorkflowCompiler().compile(spec));
    assertThat(t).as("compiling must fail with InvalidDefinitionException").isInstanceOf(InvalidDefinitionException.class);
    return ((InvalidDefinitionException) t).problems();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void isRejectedWithAMessageNamingTheStepAndTheProblem(String name, String yaml, List<String> fragments) {
    List<String> problems = problemsOf(Specs.parse(yaml));
    assertThat(problems)
        .as("problems for: %s", name)
        .anySatisfy(p -> assertThat(p).contains(fragments))
        .allSatisfy(p -> assertThat(p).matches(WHERE + ".+"));
  }

  @Test
  void aNullSpecIsRejected() {
    assertThat(problemsOf(null)).containsExactly("spec.steps: a workflow needs at least one step");
  }

  @Test
  void aCycleMessageShowsThePathInOrder() {
    List<String> problems =
        problemsOf(
            Specs.parse(
                """
                steps:
                  - {id: report, type: noop, dependsOn: [extract]}
                  - {id: extract, type: noop, dependsOn: [load]}
                  - {id: transform, type: noop, dependsOn: [extract]}
                  - {id: load, type: noop, dependsOn: [transform]}
                """));
    assertThat(problems).hasSize(1);
    // extract runs before transform, transform before load, load before extract: any rotation.
    assertThat(problems.getFirst())
        .containsAnyOf(
            "extract -> transform -> load -> extract",
            "transform -> load -> extract -> transform",
            "load -> extract -> transform -> load")
        .doesNotContain("report")
        .matches("step \"(extract|transform|load)\": dependsOn forms a cycle: .*");
  }

  @Test
  void aStepDownstreamOfAnUnknownDependencyIsStillChecked() {
    List<String> problems =
        problemsOf(
            Specs.parse(
                """
                steps:
                  - {id: a, type: noop, dependsOn: [ghost]}
                  - {id: b, type: noop, dependsOn: [a], if: "params.x >"}
                """));
    assertThat(problems)
        .anySatisfy(p -> assertThat(p).startsWith("step \"a\": dependsOn \"ghost\""))
        .anySatisfy(p -> assertThat(p).startsWith("step \"b\": if"));
  }
}
