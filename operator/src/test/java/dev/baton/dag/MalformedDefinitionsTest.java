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
            List.of(
                "step \"load\"",
                "dependsOn \"extact\" is not a step",
                "did you mean \"extract\"?")),
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
            List.of(
                "step \"b\": refers to steps.c, which is not upstream of it",
                "add it to dependsOn")),
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
            List.of(
                "step \"load\": refers to steps.extrct, which is not a step",
                "did you mean \"extract\"?")),
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
        arguments(
            "empty steps", "steps: []", List.of("spec.steps: a workflow needs at least one step")),
        arguments(
            "no steps at all",
            "description: nothing",
            List.of("spec.steps: a workflow needs at least one step")),
        arguments(
            "a step id with upper case",
            "steps: [{id: Extract, type: noop}]",
            List.of("spec.steps[0]: id \"Extract\" must match")),

        // Null-heavy input: what a half-written or hand-edited definition can hold.
        arguments(
            "a null step",
            "steps: [{id: a, type: noop}, ~]",
            List.of("spec.steps[1]: id is missing")),
        arguments(
            "a step with no id", "steps: [{type: noop}]", List.of("spec.steps[0]: id is missing")),
        arguments(
            "a null dependsOn entry",
            "steps: [{id: a, type: noop}, {id: b, type: noop, dependsOn: [a, ~]}]",
            List.of("step \"b\": dependsOn", "empty")),
        arguments(
            "a null param",
            "params: [~]\nsteps: [{id: a, type: noop}]",
            List.of("param with no name")),
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
            List.of("step \"a\": job.image is required")),

        // Loops and subworkflows: ids and dependencies across levels.
        arguments(
            "an id used at two levels",
            """
            steps:
              - {id: a, type: noop}
              - id: days
                type: foreach
                foreach: {over: [{name: day, values: [1, 2]}]}
                steps: [{id: a, type: noop}]
            """,
            List.of("step \"a\": duplicate id (spec.steps[0] and spec.steps[1].steps[0])")),
        arguments(
            "an id used in two loop bodies",
            """
            steps:
              - {id: one, type: foreach, foreach: {over: [{name: x, values: [1]}]}, steps: [{id: w, type: noop}]}
              - {id: two, type: while, while: {condition: "false"}, steps: [{id: w, type: noop}]}
            """,
            List.of(
                "step \"w\": duplicate id (spec.steps[0].steps[0] and spec.steps[1].steps[0])")),
        arguments(
            "a step in a body with no id",
            "steps: [{id: l, type: while, while: {condition: 'false'}, steps: [{id: a, type: noop}, ~]}]",
            List.of("spec.steps[0].steps[1]: id is missing")),
        arguments(
            "a step in a body that depends on a step outside it",
            """
            steps:
              - {id: a, type: noop}
              - id: days
                type: foreach
                dependsOn: [a]
                foreach: {over: [{name: day, values: [1, 2]}]}
                steps: [{id: b, type: noop, dependsOn: [a]}]
            """,
            List.of("step \"b\": dependsOn \"a\" is not in the same list of steps")),
        arguments(
            "a top-level step that depends on a step in a body",
            """
            steps:
              - {id: days, type: foreach, foreach: {over: [{name: day, values: [1]}]}, steps: [{id: b, type: noop}]}
              - {id: c, type: noop, dependsOn: [b]}
            """,
            List.of("step \"c\": dependsOn \"b\" is not in the same list of steps")),
        arguments(
            "a cycle inside a body",
            """
            steps:
              - id: days
                type: foreach
                foreach: {over: [{name: day, values: [1]}]}
                steps:
                  - {id: b, type: noop, dependsOn: [c]}
                  - {id: c, type: noop, dependsOn: [b]}
            """,
            List.of("dependsOn forms a cycle", "b -> c")),
        arguments(
            "a problem of an inner step's own",
            """
            steps:
              - id: days
                type: foreach
                foreach: {over: [{name: day, values: [1]}]}
                steps: [{id: load, job: {args: [x]}}]
            """,
            List.of("step \"load\": job.image is required")),

        // References across levels.
        arguments(
            "a step in a body reading a step the loop does not depend on",
            """
            steps:
              - {id: a, type: noop}
              - id: days
                type: foreach
                foreach: {over: [{name: day, values: [1]}]}
                steps: [{id: b, type: noop, if: "steps.a.state == 'Succeeded'"}]
            """,
            List.of(
                "step \"b\": refers to steps.a, which is not upstream of loop step \"days\"",
                "dependsOn")),
        arguments(
            "a step in a nested body reading a step the outer loop does not depend on",
            """
            steps:
              - {id: a, type: noop}
              - id: outer
                type: foreach
                foreach: {over: [{name: x, values: [1]}]}
                steps:
                  - id: inner
                    type: while
                    while: {condition: "false"}
                    steps: [{id: b, type: noop, params: {p: "${steps.a.outputs.v}"}}]
            """,
            List.of("step \"b\": refers to steps.a, which is not upstream of loop step \"outer\"")),
        arguments(
            "a step in a body reading a sibling of the inner loop it does not depend on",
            """
            steps:
              - id: outer
                type: foreach
                foreach: {over: [{name: x, values: [1]}]}
                steps:
                  - {id: a, type: noop}
                  - id: inner
                    type: foreach
                    foreach: {over: [{name: y, values: [1]}]}
                    steps: [{id: b, type: noop, if: "steps.a.state == 'Succeeded'"}]
            """,
            List.of("step \"b\": refers to steps.a, which is not upstream of loop step \"inner\"")),
        arguments(
            "a step outside a loop reading a step inside it",
            """
            steps:
              - {id: days, type: foreach, foreach: {over: [{name: day, values: [1]}]}, steps: [{id: b, type: noop}]}
              - {id: c, type: noop, dependsOn: [days], if: "steps.b.state == 'Succeeded'"}
            """,
            List.of("step \"c\": refers to steps.b, which runs inside loop step \"days\"")),
        arguments(
            "a loop step reading its own body",
            """
            steps:
              - id: days
                type: foreach
                if: "steps.b.state == 'Succeeded'"
                foreach: {over: [{name: day, values: [1]}]}
                steps: [{id: b, type: noop}]
            """,
            List.of(
                "step \"days\": refers to steps.b, which runs inside loop step \"days\"",
                "the loop step itself")),
        arguments(
            "a step in a body reading the loop it is in",
            """
            steps:
              - id: days
                type: foreach
                foreach: {over: [{name: day, values: [1]}]}
                steps: [{id: b, type: noop, if: "steps.days.state == 'Running'"}]
            """,
            List.of("step \"b\": refers to steps.days, which is the loop it runs in")),
        arguments(
            "a step in a body reading a step that does not exist",
            """
            steps:
              - {id: extract, type: noop}
              - id: days
                type: foreach
                dependsOn: [extract]
                foreach: {over: [{name: day, values: [1]}]}
                steps: [{id: b, type: noop, if: "steps.extrct.state == 'Succeeded'"}]
            """,
            List.of(
                "step \"b\": refers to steps.extrct, which is not a step",
                "did you mean \"extract\"?")),
        arguments(
            "a foreach expr reading a step that is not upstream",
            """
            steps:
              - {id: list, type: noop}
              - {id: days, type: foreach, foreach: {over: [{name: day, expr: steps.list.outputs.days}]}, steps: [{id: b, type: noop}]}
            """,
            List.of("step \"days\": refers to steps.list, which is not upstream of it")),
        arguments(
            "loop outside any loop",
            "steps: [{id: a, type: noop, params: {d: \"${loop.day}\"}}]",
            List.of(
                "step \"a\": refers to loop.day, which is only defined inside a foreach or while step")),
        arguments(
            "a loop param that is not declared",
            """
            steps:
              - id: days
                type: foreach
                foreach: {over: [{name: day, values: [1]}]}
                steps: [{id: b, job: {image: busybox, args: ["${loop.dya}"]}}]
            """,
            List.of(
                "step \"b\": refers to loop.dya, which is not loop.index or a loop param",
                "did you mean \"day\"?")),
        arguments(
            "a foreach expr reading its own loop param",
            """
            steps:
              - {id: days, type: foreach, foreach: {over: [{name: day, expr: "[loop.day]"}]}, steps: [{id: b, type: noop}]}
            """,
            List.of("step \"days\": refers to loop.day, which is only defined inside")),
        arguments(
            "an inner loop's param read outside the inner loop",
            """
            steps:
              - id: outer
                type: foreach
                foreach: {over: [{name: x, values: [1]}]}
                steps:
                  - {id: inner, type: foreach, foreach: {over: [{name: y, values: [1]}]}, steps: [{id: b, type: noop}]}
                  - {id: c, type: noop, if: "loop.y == 1"}
            """,
            List.of("step \"c\": refers to loop.y, which is not loop.index or a loop param")),
        arguments(
            "a while body reading a loop param no foreach declares",
            """
            steps:
              - {id: w, type: while, while: {condition: "false"}, steps: [{id: b, type: noop, if: "loop.day == 1"}]}
            """,
            List.of("step \"b\": refers to loop.day, which is not loop.index or a loop param")),
        arguments(
            "last outside any while",
            "steps: [{id: a, type: noop, if: \"last.a.state == 'Succeeded'\"}]",
            List.of(
                "step \"a\": refers to last.a, which is only defined in a while step's condition")),
        arguments(
            "last inside a foreach",
            """
            steps:
              - {id: days, type: foreach, foreach: {over: [{name: d, values: [1]}]}, steps: [{id: b, type: noop, if: "last.b.state == 'Succeeded'"}]}
            """,
            List.of(
                "step \"b\": refers to last.b, which is only defined in a while step's condition")),
        arguments(
            "a while condition reading last of a step outside its body",
            """
            steps:
              - {id: a, type: noop}
              - {id: w, type: while, dependsOn: [a], while: {condition: "last.a.state == 'Succeeded'"}, steps: [{id: poll, type: noop}]}
            """,
            List.of(
                "step \"w\": while.condition refers to last.a, which is not a step of while step \"w\"")),
        arguments(
            "a step in a while body reading last of a step outside the body",
            """
            steps:
              - {id: a, type: noop}
              - {id: w, type: while, dependsOn: [a], while: {condition: "true"}, steps: [{id: poll, type: noop, if: "last.a.state == 'Succeeded'"}]}
            """,
            List.of("step \"poll\": refers to last.a, which is not a step of while step \"w\"")),
        arguments(
            "a while condition reading a loop param no foreach declares",
            """
            steps:
              - {id: w, type: while, while: {condition: "loop.day < 3"}, steps: [{id: poll, type: noop}]}
            """,
            List.of("step \"w\": while.condition refers to loop.day, which is not loop.index")),
        arguments(
            "a while condition reading a step of its body through steps",
            """
            steps:
              - {id: w, type: while, while: {condition: "steps.poll.outputs.more"}, steps: [{id: poll, type: noop}]}
            """,
            List.of("step \"w\": refers to steps.poll, which runs inside loop step \"w\"")),

        // foreach
        arguments(
            "a foreach step without foreach",
            "steps: [{id: days, type: foreach, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": a foreach step needs foreach")),
        arguments(
            "a foreach with no loop params",
            "steps: [{id: days, type: foreach, foreach: {over: []}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": foreach.over needs at least one loop param")),
        arguments(
            "a foreach with no over",
            "steps: [{id: days, type: foreach, foreach: {concurrency: 2}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": foreach.over needs at least one loop param")),
        arguments(
            "a foreach with nine loop params",
            "steps: [{id: days, type: foreach, foreach: {over: ["
                + "{name: a, values: [1]}, {name: b, values: [1]}, {name: c, values: [1]}, "
                + "{name: d, values: [1]}, {name: e, values: [1]}, {name: f, values: [1]}, "
                + "{name: g, values: [1]}, {name: h, values: [1]}, {name: i, values: [1]}]}, "
                + "steps: [{id: s, type: noop}]}]",
            List.of("step \"days\": foreach.over has 9 loop params, over the limit of 8")),
        arguments(
            "a loop param declared twice",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: d, values: [1]}, {name: d, values: [2]}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": loop param \"d\": declared twice")),
        arguments(
            "a loop param called index",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: index, values: [1]}]}, steps: [{id: b, type: noop}]}]",
            List.of(
                "step \"days\": loop param \"index\": the name 'index' is taken by loop.index")),
        arguments(
            "a loop param with a bad name",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: bad-name, values: [1]}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": foreach.over[0]: name \"bad-name\" must match")),
        arguments(
            "a loop param with no name",
            "steps: [{id: days, type: foreach, foreach: {over: [{values: [1]}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": foreach.over[0]: name is missing")),
        arguments(
            "a loop param with both expr and values",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: d, expr: '[1]', values: [1]}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": loop param \"d\": needs exactly one of expr", "values")),
        arguments(
            "a loop param with neither expr nor values",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: d}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": loop param \"d\": needs exactly one of expr")),
        arguments(
            "loop param values that are not an array",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: d, values: {a: 1}}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": loop param \"d\": values must be a JSON array, not object")),
        arguments(
            "a loop param expr that does not compile",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: d, expr: 'params.days +'}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": loop param \"d\": expr", "does not compile")),
        arguments(
            "a loop param expr that is plainly not a list",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: d, expr: '1 + 2'}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": loop param \"d\": expr", "does not compile", "list")),
        arguments(
            "a foreach concurrency of 0",
            "steps: [{id: days, type: foreach, foreach: {concurrency: 0, over: [{name: d, values: [1]}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": foreach.concurrency is 0; it must be from 1 to 500")),
        arguments(
            "a foreach concurrency over 500",
            "steps: [{id: days, type: foreach, foreach: {concurrency: 501, over: [{name: d, values: [1]}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"days\": foreach.concurrency is 501")),
        arguments(
            "written-out values whose combinations exceed the iteration limit",
            "steps: [{id: days, type: foreach, foreach: {over: [{name: a, values: "
                + range(1001)
                + "}, {name: b, values: "
                + range(1000)
                + "}]}, steps: [{id: s, type: noop}]}]",
            List.of(
                "step \"days\": foreach.over has 1001000 combinations",
                "over the limit of 1000000")),

        // while
        arguments(
            "a while step without while",
            "steps: [{id: w, type: while, steps: [{id: b, type: noop}]}]",
            List.of("step \"w\": a while step needs while")),
        arguments(
            "a while with no condition",
            "steps: [{id: w, type: while, while: {maxIterations: 3}, steps: [{id: b, type: noop}]}]",
            List.of("step \"w\": while.condition is required")),
        arguments(
            "a while condition that is not a boolean",
            "steps: [{id: w, type: while, while: {condition: 'loop.index + 1'}, steps: [{id: b, type: noop}]}]",
            List.of("step \"w\": while.condition", "does not compile", "bool")),
        arguments(
            "a while condition that does not compile",
            "steps: [{id: w, type: while, while: {condition: 'loop.index <'}, steps: [{id: b, type: noop}]}]",
            List.of("step \"w\": while.condition", "does not compile")),
        arguments(
            "a while maxIterations of 0",
            "steps: [{id: w, type: while, while: {condition: 'true', maxIterations: 0}, steps: [{id: b, type: noop}]}]",
            List.of("step \"w\": while.maxIterations is 0; it must be from 1 to 100000")),
        arguments(
            "a while maxIterations over the limit",
            "steps: [{id: w, type: while, while: {condition: 'true', maxIterations: 100001}, steps: [{id: b, type: noop}]}]",
            List.of("step \"w\": while.maxIterations is 100001")),

        // subworkflow
        arguments(
            "a subworkflow step without subworkflow",
            "steps: [{id: c, type: subworkflow}]",
            List.of("step \"c\": a subworkflow step needs subworkflow")),
        arguments(
            "a subworkflow with no workflow",
            "steps: [{id: c, type: subworkflow, subworkflow: {params: {a: b}}}]",
            List.of("step \"c\": subworkflow.workflow is required")),
        arguments(
            "a subworkflow whose workflow is not a name",
            "steps: [{id: c, type: subworkflow, subworkflow: {workflow: Nightly_Load}}]",
            List.of("step \"c\": subworkflow.workflow \"Nightly_Load\" is not a Workflow name")),
        arguments(
            "a subworkflow param that does not compile",
            "steps: [{id: c, type: subworkflow, subworkflow: {workflow: child, params: {day: '${params.}'}}}]",
            List.of("step \"c\": subworkflow.params.day", "does not compile")),
        arguments(
            "a subworkflow param with a bad name",
            "steps: [{id: c, type: subworkflow, subworkflow: {workflow: child, params: {bad-name: x}}}]",
            List.of("step \"c\": subworkflow param name \"bad-name\" must match")),
        arguments(
            "a subworkflow param reading a step that is not upstream",
            """
            steps:
              - {id: a, type: noop}
              - {id: c, type: subworkflow, subworkflow: {workflow: child, params: {x: "${steps.a.outputs.x}"}}}
            """,
            List.of("step \"c\": refers to steps.a, which is not upstream of it")),

        // Fields of one type on another, at any level (the CRD's rules see only the top).
        arguments(
            "a foreach step with a job",
            "steps: [{id: d, type: foreach, job: {image: busybox}, foreach: {over: [{name: x, values: [1]}]}, steps: [{id: b, type: noop}]}]",
            List.of("step \"d\": only a job step may have a job")),
        arguments(
            "a noop step with foreach",
            "steps: [{id: a, type: noop, foreach: {over: [{name: x, values: [1]}]}}]",
            List.of("step \"a\": only a foreach step may have foreach")),
        arguments(
            "a job step with while, in a body",
            """
            steps:
              - id: days
                type: foreach
                foreach: {over: [{name: x, values: [1]}]}
                steps: [{id: a, job: {image: busybox}, while: {condition: "true"}}]
            """,
            List.of("step \"a\": only a while step may have while")),
        arguments(
            "a noop step with subworkflow",
            "steps: [{id: a, type: noop, subworkflow: {workflow: child}}]",
            List.of("step \"a\": only a subworkflow step may have subworkflow")),
        arguments(
            "a noop step with steps",
            "steps: [{id: a, type: noop, steps: [{id: b, type: noop}]}]",
            List.of("step \"a\": only a foreach or while step may have steps")),
        arguments(
            "a subworkflow step with steps",
            "steps: [{id: a, type: subworkflow, subworkflow: {workflow: child}, steps: [{id: b, type: noop}]}]",
            List.of("step \"a\": only a foreach or while step may have steps")),
        arguments(
            "a foreach step without steps",
            "steps: [{id: d, type: foreach, foreach: {over: [{name: x, values: [1]}]}}]",
            List.of("step \"d\": a foreach step needs steps")),
        arguments(
            "a while step with empty steps",
            "steps: [{id: w, type: while, while: {condition: 'true'}, steps: []}]",
            List.of("step \"w\": a while step needs steps")),

        // Limits across the tree.
        arguments(
            "too many steps in one body",
            "steps: [{id: d, type: foreach, foreach: {over: [{name: x, values: [1]}]}, steps: "
                + flowSteps("b", 301)
                + "}]",
            List.of("step \"d\": steps: 301 steps, over the limit of 300 in one loop")),
        arguments(
            "too many steps in all",
            loopsOf(4, 250),
            List.of(
                "spec.steps: 1004 steps in all, counting those inside foreach and while steps, over the limit of 1000")),
        arguments(
            "loops nested eleven deep",
            nested(11),
            List.of("step \"l11\": loops nest 11 deep here, over the limit of 10")));
  }

  /** Every problem starts by saying where it is: a step, a param, or a spec field. */
  static final String WHERE =
      "(step \"[^\"]+\": |param (\"[^\"]+\"|with no name): |spec(\\.[a-z]+)?(\\[\\d+\\])?(\\.steps\\[\\d+\\])*: )";

  /** A YAML flow sequence of n noop steps with ids prefix0, prefix1, ... */
  static String flowSteps(String prefix, int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < n; i++)
      sb.append(i == 0 ? "" : ", ")
          .append("{id: ")
          .append(prefix)
          .append(i)
          .append(", type: noop}");
    return sb.append("]").toString();
  }

  /** A YAML flow sequence of 0..n-1. */
  static String range(int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ",").append(i);
    return sb.append("]").toString();
  }

  /** {@code loops} top-level foreach steps, each with {@code inner} noop steps. */
  static String loopsOf(int loops, int inner) {
    StringBuilder sb = new StringBuilder("steps:\n");
    for (int l = 0; l < loops; l++) {
      sb.append("  - {id: loop")
          .append(l)
          .append(", type: foreach, foreach: {over: [{name: x, values: [1]}]}, steps: ")
          .append(flowSteps("s" + l + "_", inner))
          .append("}\n");
    }
    return sb.toString();
  }

  /** Loops l1 (outermost) to l{depth}, each the only step of the one around it, a noop inside. */
  static String nested(int depth) {
    String inner = "[{id: leaf, type: noop}]";
    for (int d = depth; d >= 1; d--) {
      inner =
          d % 2 == 0
              ? "[{id: l" + d + ", type: while, while: {condition: 'false'}, steps: " + inner + "}]"
              : "[{id: l"
                  + d
                  + ", type: foreach, foreach: {over: [{name: x"
                  + d
                  + ", values: [1]}]}, steps: "
                  + inner
                  + "}]";
    }
    return "steps: " + inner;
  }

  static String manySteps(int n) {
    StringBuilder sb = new StringBuilder("steps:\n");
    for (int i = 0; i < n; i++) sb.append("  - {id: s").append(i).append(", type: noop}\n");
    return sb.toString();
  }

  private static List<String> problemsOf(WorkflowSpec spec) {
    Throwable t = catchThrowable(() -> new WorkflowCompiler().compile(spec));
    assertThat(t)
        .as("compiling must fail with InvalidDefinitionException")
        .isInstanceOf(InvalidDefinitionException.class);
    return ((InvalidDefinitionException) t).problems();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void isRejectedWithAMessageNamingTheStepAndTheProblem(
      String name, String yaml, List<String> fragments) {
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
