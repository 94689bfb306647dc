package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "no tenant through the operator, no input through the engine": malformed Workflows and
 * WorkflowInstances of every kind, on the real API server with the operator running under the
 * chart's ServiceAccount. Each is stopped at exactly one layer, with a message naming what is
 * wrong: refused at create (CRD schema, CEL rules, the chart's admission policy), or the Workflow
 * Valid=False (the compiler), or the instance Failed (params, or limits met at run time). After all
 * of them the same operator process is alive, ready, and runs a good workflow elsewhere.
 *
 * <p>Not here: a WorkflowInstance with a forged baton.dev/parent label (it bypasses its workflow's
 * run strategy on main today; the fix is on branch i11-forge, not yet merged).
 */
class MalformedInputE2ETest extends OnCluster {
  static final String NS = "e2e-malformed";
  static final String GOOD_NS = "e2e-malformed-good";

  enum Layer {
    /** kubectl create fails: CRD schema, CRD CEL rules, or the chart's admission policy. */
    REFUSED,
    /** Accepted; the Workflow ends Valid=False (the compiler). */
    INVALID,
    /** Accepted; the WorkflowInstance NAME-run ends Failed. */
    FAILED
  }

  /**
   * One malformed input. {@code yaml} names its objects NAME (the Workflow) and NAME-run (the
   * WorkflowInstance); {@code ns} overrides the namespace.
   */
  record Case(
      String category, String what, Layer layer, String yaml, List<String> expected, String ns) {
    Case(String category, String what, Layer layer, String yaml, String... expected) {
      this(category, what, layer, yaml, List.of(expected), NS);
    }
  }

  // --- Building blocks ---------------------------------------------------------------------------

  static String wf(String spec) {
    return "apiVersion: baton.dev/v1alpha1\nkind: Workflow\nmetadata: {name: NAME}\nspec:\n"
        + spec.stripIndent().indent(2);
  }

  static String run(String params) {
    return "---\napiVersion: baton.dev/v1alpha1\nkind: WorkflowInstance\nmetadata: {name: NAME-run}\nspec:\n  workflow: NAME\n"
        + (params == null ? "" : "  params: " + params + "\n");
  }

  /** A foreach step "l" whose body is {@code body}, a YAML flow sequence. */
  static String loop(String body) {
    return wf(
        "steps: [{id: l, type: foreach, foreach: {over: [{name: x, values: [1]}]}, steps: "
            + body
            + "}]");
  }

  static String steps(String prefix, int n) {
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(i -> "{id: " + prefix + i + ", type: noop}")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** Loops l1..l{depth}, alternating foreach and while, a noop inside. */
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
    return wf("steps: " + inner);
  }

  static String podTemplate(String podSpec) {
    return wf("steps: [{id: a, job: {image: busybox:1.36, podTemplate: {spec: " + podSpec + "}}}]");
  }

  static final String BIG = "a".repeat(60_000);

  static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    Layer R = Layer.REFUSED, V = Layer.INVALID, F = Layer.FAILED;
    String noop = "steps: [{id: a, type: noop}]";

    // Names
    c.add(
        new Case(
            "names",
            "Workflow name over 253 characters",
            R,
            wf(noop).replace("NAME", "w" + "x".repeat(253)),
            "must be no more than 253 characters"));
    c.add(
        new Case(
            "names",
            "Workflow name with upper case and _",
            R,
            wf(noop).replace("NAME", "Bad_Name"),
            "RFC 1123 subdomain"));
    c.add(
        new Case(
            "names",
            "WorkflowInstance name over 63 characters",
            R,
            wf(noop) + run(null).replace("NAME-run", "r" + "x".repeat(63)),
            "a WorkflowInstance name may be at most 63 characters"));
    c.add(
        new Case(
            "names",
            "WorkflowInstance naming a workflow with bad characters",
            R,
            run(null).replace("workflow: NAME", "workflow: Bad_Wf").substring(4),
            "spec.workflow",
            "should match"));
    c.add(
        new Case(
            "names",
            "subworkflow naming a workflow with bad characters",
            R,
            wf("steps: [{id: a, type: subworkflow, subworkflow: {workflow: 'Other!'}}]"),
            "spec.steps[0].subworkflow.workflow",
            "should match"));

    // Step ids
    c.add(
        new Case(
            "step ids",
            "id with upper case",
            R,
            wf("steps: [{id: Extract, type: noop}]"),
            "spec.steps[0].id",
            "should match"));
    c.add(
        new Case(
            "step ids",
            "id over 63 characters",
            R,
            wf("steps: [{id: " + "a".repeat(64) + ", type: noop}]"),
            "spec.steps[0].id",
            "63"));
    c.add(
        new Case(
            "step ids",
            "id with a dot",
            R,
            wf("steps: [{id: a.b, type: noop}]"),
            "spec.steps[0].id",
            "should match"));
    c.add(
        new Case(
            "step ids",
            "no id",
            R,
            wf("steps: [{type: noop}]"),
            "spec.steps[0].id",
            "Required value"));
    c.add(
        new Case(
            "step ids",
            "duplicate ids at top level",
            R,
            wf("steps: [{id: a, type: noop}, {id: b, type: noop}, {id: a, type: noop}]"),
            "step ids must be unique"));
    c.add(
        new Case(
            "step ids",
            "id with upper case inside a loop",
            V,
            loop("[{id: Load, type: noop}]"),
            "spec.steps[0].steps[0]: id \"Load\" must match"));
    c.add(
        new Case(
            "step ids",
            "id a number inside a loop",
            V,
            loop("[{id: 5, type: noop}]"),
            "spec.steps[0].steps[0]: id: expected a string, got an integer"));
    c.add(
        new Case(
            "step ids",
            "no id inside a loop",
            V,
            loop("[{id: a, type: noop}, {type: noop}]"),
            "spec.steps[0].steps[1]: id is missing"));
    c.add(
        new Case(
            "step ids",
            "duplicate ids inside one loop",
            V,
            loop("[{id: w, type: noop}, {id: w, type: noop}]"),
            "step \"w\": duplicate id"));
    c.add(
        new Case(
            "step ids",
            "duplicate ids across two loops",
            V,
            wf(
                """
                steps:
                  - {id: one, type: foreach, foreach: {over: [{name: x, values: [1]}]}, steps: [{id: w, type: noop}]}
                  - {id: two, type: while, while: {condition: "false"}, steps: [{id: w, type: noop}]}
                """),
            "step \"w\": duplicate id (spec.steps[0].steps[0] and spec.steps[1].steps[0])"));
    c.add(
        new Case(
            "step ids",
            "an id at the top level and inside a loop",
            V,
            wf(
                """
                steps:
                  - {id: a, type: noop}
                  - {id: days, type: foreach, foreach: {over: [{name: day, values: [1, 2]}]}, steps: [{id: a, type: noop}]}
                """),
            "step \"a\": duplicate id (spec.steps[0] and spec.steps[1].steps[0])"));

    // Dependencies
    c.add(
        new Case(
            "dependencies",
            "unknown dependsOn",
            V,
            wf("steps: [{id: extract, type: noop}, {id: load, type: noop, dependsOn: [extact]}]"),
            "step \"load\": dependsOn \"extact\" is not a step",
            "did you mean \"extract\"?"));
    c.add(
        new Case(
            "dependencies",
            "unknown dependsOn inside a loop",
            V,
            loop("[{id: load, type: noop, dependsOn: [zzzz]}]"),
            "step \"load\": dependsOn \"zzzz\" is not a step"));
    c.add(
        new Case(
            "dependencies",
            "self at top level",
            R,
            wf("steps: [{id: a, type: noop, dependsOn: [a]}]"),
            "a step cannot depend on itself"));
    c.add(
        new Case(
            "dependencies",
            "self inside a loop",
            V,
            loop("[{id: a, type: noop, dependsOn: [a]}]"),
            "step \"a\": depends on itself"));
    c.add(
        new Case(
            "dependencies",
            "a string instead of a list at top level",
            R,
            wf("steps: [{id: a, type: noop}, {id: b, type: noop, dependsOn: a}]"),
            "spec.steps[1].dependsOn",
            "must be of type array"));
    c.add(
        new Case(
            "dependencies",
            "a string instead of a list inside a loop",
            V,
            loop("[{id: a, type: noop}, {id: load, type: noop, dependsOn: a}]"),
            "step \"load\": dependsOn: expected a list of step ids, got a string"));
    c.add(
        new Case(
            "dependencies",
            "a three-step cycle",
            V,
            wf(
                """
                steps:
                  - {id: extract, type: noop, dependsOn: [load]}
                  - {id: transform, type: noop, dependsOn: [extract]}
                  - {id: load, type: noop, dependsOn: [transform]}
                """),
            "dependsOn forms a cycle",
            "extract",
            "transform",
            "load"));
    c.add(
        new Case(
            "dependencies",
            "a cycle inside a loop",
            V,
            loop("[{id: b, type: noop, dependsOn: [c]}, {id: c, type: noop, dependsOn: [b]}]"),
            "dependsOn forms a cycle",
            "b -> c"));
    c.add(
        new Case(
            "dependencies",
            "a dependency named twice",
            V,
            wf("steps: [{id: a, type: noop}, {id: b, type: noop, dependsOn: [a, a]}]"),
            "step \"b\": dependsOn names \"a\" twice"));
    c.add(
        new Case(
            "dependencies",
            "a body step depending on a step outside its loop",
            V,
            wf(
                """
                steps:
                  - {id: a, type: noop}
                  - {id: days, type: foreach, dependsOn: [a], foreach: {over: [{name: day, values: [1]}]}, steps: [{id: b, type: noop, dependsOn: [a]}]}
                """),
            "step \"b\": dependsOn \"a\" is not in the same list of steps"));

    // CEL that does not compile
    c.add(
        new Case(
            "CEL",
            "an if that does not compile",
            V,
            wf("steps: [{id: load, type: noop, if: 'params.env =='}]"),
            "step \"load\": if",
            "does not compile"));
    c.add(
        new Case(
            "CEL",
            "an if that is not a boolean",
            V,
            wf("steps: [{id: load, type: noop, if: '1 + 1'}]"),
            "step \"load\": if",
            "bool"));
    c.add(
        new Case(
            "CEL",
            "a ${} in args that does not compile",
            V,
            wf(
                "steps: [{id: load, job: {image: busybox:1.36, args: ['--rows=${params.rows +}']}}]"),
            "step \"load\": job",
            "'params.rows +' does not compile"));
    c.add(
        new Case(
            "CEL",
            "a ${ with no closing brace",
            V,
            wf("steps: [{id: load, job: {image: busybox:1.36, command: [echo, '${params.date']}}]"),
            "step \"load\": job",
            "no closing }"));
    c.add(
        new Case(
            "CEL",
            "a step param that does not compile",
            V,
            wf("steps: [{id: load, type: noop, params: {day: '${)}'}}]"),
            "step \"load\": params.day",
            "does not compile"));
    c.add(
        new Case(
            "CEL",
            "a while condition that does not compile",
            V,
            wf(
                "steps: [{id: w, type: while, while: {condition: 'loop.index <'}, steps: [{id: a, type: noop}]}]"),
            "step \"w\": while.condition",
            "does not compile"));
    c.add(
        new Case(
            "CEL",
            "a foreach expr that does not compile",
            V,
            wf(
                "steps: [{id: f, type: foreach, foreach: {over: [{name: x, expr: '[1, 2'}]}, steps: [{id: a, type: noop}]}]"),
            "step \"f\"",
            "does not compile"));
    c.add(
        new Case(
            "CEL",
            "a reference to a step that does not exist",
            V,
            wf(
                "steps: [{id: extract, type: noop}, {id: load, type: noop, dependsOn: [extract], if: steps.extrct.outputs.ok}]"),
            "step \"load\": refers to steps.extrct, which is not a step"));
    c.add(
        new Case(
            "CEL",
            "a reference to a step that is not upstream",
            V,
            wf(
                "steps: [{id: a, job: {image: busybox:1.36, args: ['${steps.b.outputs.x}']}}, {id: b, type: noop, dependsOn: [a]}]"),
            "step \"a\": refers to steps.b, which is not upstream of it"));

    // CEL over its evaluation budget at run time
    c.add(
        new Case(
            "CEL at run time",
            "a ${} in args building a huge string",
            F,
            wf(
                    """
                    params: [{name: big}]
                    steps:
                      - {id: prep, type: noop}
                      - id: report
                        dependsOn: [prep]
                        retry: {userErrors: 5, platformErrors: 5}
                        job: {image: busybox:1.36, args: ["--size=${size(dates('1800-01-01', '2073-10-15').map(d, params.big + params.big))}"]}
                    """)
                + run("{big: " + BIG + "}"),
            "step \"report\" failed: could not render the job: ",
            "exceeded the evaluation budget (cost 1000000)"));
    c.add(
        new Case(
            "CEL at run time",
            "an if building a huge list",
            F,
            wf(
                    """
                    params: [{name: big}, {name: to}]
                    steps:
                      - id: load
                        if: "dates('2000-01-01', params.to).map(d, params.big + params.big).size() > 0"
                        job: {image: busybox:1.36}
                    """)
                + run("{big: " + BIG + ", to: '2273-10-15'}"),
            "step \"load\" failed: if '",
            "exceeded the evaluation budget (cost 1000000)"));
    c.add(
        new Case(
            "CEL at run time",
            "a foreach over more dates than dates() gives",
            F,
            wf(
                    """
                    params: [{name: from}, {name: to}]
                    steps:
                      - {id: days, type: foreach, foreach: {over: [{name: d, expr: "dates(params.from, params.to)"}]}, steps: [{id: a, type: noop}]}
                    """)
                + run("{from: '1000-01-01', to: '2999-12-31'}"),
            "step \"days\"",
            "dates, over the limit of"));
    c.add(
        new Case(
            "CEL at run time",
            "a foreach expr that gives no list",
            F,
            wf(
                    """
                    params: [{name: count, type: integer}]
                    steps:
                      - {id: l, type: foreach, foreach: {over: [{name: x, expr: "params.count"}]}, steps: [{id: a, type: noop}]}
                    """)
                + run("{count: 5}"),
            "step \"l\"",
            "'params.count' gave",
            "not a list"));

    // Durations
    c.add(
        new Case(
            "durations",
            "a step timeout that is not a duration",
            R,
            wf("steps: [{id: a, type: noop, timeout: 10 minutes}]"),
            "spec.steps[0].timeout",
            "should match"));
    c.add(
        new Case(
            "durations",
            "a workflow timeout that is not a duration",
            R,
            wf("timeout: 1y\n" + noop),
            "spec.timeout",
            "should match"));
    c.add(
        new Case(
            "durations",
            "a sleep that is not a duration",
            R,
            wf("steps: [{id: nap, type: sleep, sleep: a while}]"),
            "spec.steps[0].sleep",
            "should match"));
    c.add(
        new Case(
            "durations",
            "a step timeout that is not a duration, inside a loop",
            V,
            loop("[{id: a, type: noop, timeout: 10 minutes}]"),
            "step \"a\": timeout",
            "\"10 minutes\" is not a duration"));
    c.add(
        new Case(
            "durations",
            "a zero step timeout",
            V,
            wf("steps: [{id: a, type: noop, timeout: 0s}]"),
            "step \"a\": timeout",
            "must be longer than 0s"));
    c.add(
        new Case(
            "durations",
            "a zero sleep inside a loop",
            V,
            loop("[{id: nap, type: sleep, sleep: 0ms}]"),
            "step \"nap\": sleep",
            "must be longer than 0s"));
    c.add(
        new Case(
            "durations",
            "a workflow timeout over 120d",
            V,
            wf("timeout: 121d\n" + noop),
            "spec.timeout",
            "121d is over the limit of 120d"));
    c.add(
        new Case(
            "durations",
            "a step timeout over 120d",
            V,
            wf("steps: [{id: a, type: noop, timeout: 2880h1s}]"),
            "step \"a\": timeout",
            "2880h1s is over the limit of 120d"));
    c.add(
        new Case(
            "durations",
            "a retry maxDelay over the limit",
            V,
            wf("steps: [{id: a, job: {image: busybox:1.36}, retry: {backoff: {maxDelay: 1000d}}}]"),
            "step \"a\": retry.backoff.maxDelay",
            "over the limit"));

    // Limits
    c.add(
        new Case(
            "limits",
            "301 steps",
            R,
            wf("steps: " + steps("s", 301)),
            "spec.steps",
            "must have at most 300 items"));
    c.add(
        new Case(
            "limits",
            "301 steps in one loop",
            R,
            wf(
                "steps: [{id: l, type: foreach, foreach: {over: [{name: x, values: [1]}]}, steps: "
                    + steps("b", 301)
                    + "}]"),
            "spec.steps[0].steps",
            "must have at most 300 items"));
    c.add(
        new Case(
            "limits",
            "1004 steps in all",
            V,
            wf(
                "steps: ["
                    + java.util.stream.IntStream.range(0, 4)
                        .mapToObj(l ->
                            "{id: loop"
                                + l
                                + ", type: foreach, foreach: {over: [{name: x, values: [1]}]}, steps: "
                                + steps("s" + l + "_", 250)
                                + "}")
                        .collect(Collectors.joining(", "))
                    + "]"),
            "spec.steps: 1004 steps in all",
            "over the limit of 1000"));
    c.add(
        new Case(
            "limits",
            "loops nested 11 deep",
            R,
            nested(11),
            "ValidatingAdmissionPolicy 'baton-workflows'",
            "steps nest deeper than 10 loops"));
    c.add(
        new Case(
            "limits",
            "a definition over 256 KiB",
            V,
            loop("[{id: a, type: noop, description: " + "x".repeat(300 * 1024) + "}]"),
            "spec: the definition is",
            "over the limit of 262144"));
    c.add(
        new Case(
            "limits",
            "stepConcurrency 0",
            R,
            wf("stepConcurrency: 0\n" + noop),
            "spec.stepConcurrency",
            "greater than or equal to 1"));
    c.add(
        new Case(
            "limits",
            "101 params",
            R,
            wf(
                "params: "
                    + java.util.stream.IntStream.range(0, 101)
                        .mapToObj(i -> "{name: p" + i + "}")
                        .collect(Collectors.joining(", ", "[", "]"))
                    + "\n"
                    + noop),
            "spec.params",
            "must have at most 100 items"));

    // Loop params
    c.add(
        new Case(
            "loops",
            "foreach loop param with neither values nor expr",
            V,
            wf(
                "steps: [{id: f, type: foreach, foreach: {over: [{name: x}]}, steps: [{id: a, type: noop}]}]"),
            "step \"f\"",
            "needs exactly one of expr"));
    c.add(
        new Case(
            "loops",
            "foreach loop param with both values and expr",
            V,
            wf(
                "steps: [{id: f, type: foreach, foreach: {over: [{name: x, expr: '[1]', values: [1]}]}, steps: [{id: a, type: noop}]}]"),
            "step \"f\"",
            "needs exactly one of expr"));
    c.add(
        new Case(
            "loops",
            "foreach without foreach",
            R,
            wf("steps: [{id: f, type: foreach, steps: [{id: a, type: noop}]}]"),
            "a foreach step needs foreach"));
    c.add(
        new Case(
            "loops",
            "foreach over no loop params",
            R,
            wf(
                "steps: [{id: f, type: foreach, foreach: {over: []}, steps: [{id: a, type: noop}]}]"),
            "spec.steps[0].foreach.over",
            "at least 1 items"));
    c.add(
        new Case(
            "loops",
            "foreach without steps",
            R,
            wf("steps: [{id: f, type: foreach, foreach: {over: [{name: x, values: [1]}]}}]"),
            "a foreach or while step needs steps"));
    c.add(
        new Case(
            "loops",
            "foreach concurrency 0",
            R,
            wf(
                "steps: [{id: f, type: foreach, foreach: {over: [{name: x, values: [1]}], concurrency: 0}, steps: [{id: a, type: noop}]}]"),
            "spec.steps[0].foreach.concurrency",
            "greater than or equal to 1"));
    c.add(
        new Case(
            "loops",
            "foreach concurrency 501",
            R,
            wf(
                "steps: [{id: f, type: foreach, foreach: {over: [{name: x, values: [1]}], concurrency: 501}, steps: [{id: a, type: noop}]}]"),
            "spec.steps[0].foreach.concurrency",
            "less than or equal to 500"));
    c.add(
        new Case(
            "loops",
            "foreach concurrency 501 inside a loop",
            V,
            loop(
                "[{id: inner, type: foreach, foreach: {over: [{name: y, values: [1]}], concurrency: 501}, steps: [{id: a, type: noop}]}]"),
            "step \"inner\": foreach.concurrency is 501; it must be from 1 to 500"));
    c.add(
        new Case(
            "loops",
            "a loop param named index",
            R,
            wf(
                "steps: [{id: f, type: foreach, foreach: {over: [{name: index, values: [1]}]}, steps: [{id: a, type: noop}]}]"),
            "'index' is taken by loop.index"));
    c.add(
        new Case(
            "loops",
            "two loop params of one name",
            R,
            wf(
                "steps: [{id: f, type: foreach, foreach: {over: [{name: x, values: [1]}, {name: x, values: [2]}]}, steps: [{id: a, type: noop}]}]"),
            "loop param names must be unique"));
    c.add(
        new Case(
            "loops",
            "while without a condition",
            R,
            wf(
                "steps: [{id: w, type: while, while: {maxIterations: 3}, steps: [{id: a, type: noop}]}]"),
            "spec.steps[0].while.condition",
            "Required value"));
    c.add(
        new Case(
            "loops",
            "while without a condition, inside a loop",
            V,
            loop("[{id: w, type: while, while: {maxIterations: 3}, steps: [{id: a, type: noop}]}]"),
            "step \"w\": while.condition is required"));
    c.add(
        new Case(
            "loops",
            "while maxIterations over 100000",
            R,
            wf(
                "steps: [{id: w, type: while, while: {condition: 'false', maxIterations: 100001}, steps: [{id: a, type: noop}]}]"),
            "spec.steps[0].while.maxIterations",
            "less than or equal to 100000"));

    // Sizes
    c.add(
        new Case(
            "sizes",
            "run params over 64 KiB",
            F,
            wf("params: [{name: p}]\n" + noop) + run("{p: " + "x".repeat(70_000) + "}"),
            "spec.params are",
            "bytes, over the 64 KiB limit"));
    c.add(
        new Case(
            "sizes",
            "params over 64 KiB with the workflow's defaults",
            F,
            wf("params: [{name: p, default: " + "x".repeat(40_000) + "}, {name: q}]\n" + noop)
                + run("{q: " + "y".repeat(40_000) + "}"),
            "params with the workflow's defaults are",
            "over the 64 KiB limit"));
    c.add(
        new Case(
            "sizes",
            "a step param value over 4096 characters",
            R,
            wf("steps: [{id: a, type: noop, params: {p: " + "x".repeat(4097) + "}}]"),
            "spec.steps[0].params.p",
            "4096"));
    c.add(
        new Case(
            "sizes",
            "a subworkflow param value over 4096 characters",
            R,
            wf(
                "steps: [{id: a, type: subworkflow, subworkflow: {workflow: other, params: {p: "
                    + "x".repeat(4097)
                    + "}}}]"),
            "spec.steps[0].subworkflow.params.p",
            "4096"));
    c.add(
        new Case(
            "sizes",
            "101 run params",
            R,
            run(java.util.stream.IntStream.range(0, 101)
                    .mapToObj(i -> "p" + i + ": 1")
                    .collect(Collectors.joining(", ", "{", "}")))
                .substring(4),
            "spec.params",
            "must have at most 100 items"));

    // Params of the wrong type, missing, unknown
    c.add(
        new Case(
            "params",
            "a run param of the wrong type",
            F,
            wf("params: [{name: limit, type: integer}]\n" + noop) + run("{limit: ten}"),
            "spec.params.limit: \"ten\" is not of type integer"));
    c.add(
        new Case(
            "params",
            "a required run param missing",
            F,
            wf("params: [{name: date}]\n" + noop) + run(null),
            "spec.params.date: required, and the workflow gives no default"));
    c.add(
        new Case(
            "params",
            "a run param the workflow does not have",
            F,
            wf("params: [{name: date, default: x}]\n" + noop) + run("{dat: y}"),
            "spec.params.dat: the workflow has no such param",
            "(it has date)"));
    c.add(
        new Case(
            "params",
            "a run of an invalid workflow",
            F,
            wf("steps: [{id: a, type: noop, dependsOn: [ghost]}]") + run(null),
            "workflow \"NAME\" is invalid: ",
            "step \"a\": dependsOn \"ghost\" is not a step"));
    c.add(
        new Case(
            "params",
            "a param default of the wrong type",
            V,
            wf("params: [{name: limit, type: integer, default: ten}]\n" + noop),
            "param \"limit\"",
            "default \"ten\" is not of type integer"));
    c.add(
        new Case(
            "params",
            "a param of an unknown type",
            R,
            wf("params: [{name: limit, type: int}]\n" + noop),
            "spec.params[0].type",
            "Unsupported value: \"int\""));
    c.add(
        new Case(
            "params",
            "two params of one name",
            R,
            wf("params: [{name: x}, {name: x}]\n" + noop),
            "param names must be unique"));
    c.add(
        new Case(
            "params",
            "a param name with a dash",
            R,
            wf("params: [{name: a-b}]\n" + noop),
            "spec.params[0].name",
            "should match"));

    // Pod templates the admission policy refuses (to anyone: these checks are not about RBAC)
    String vap = "ValidatingAdmissionPolicy 'baton-workflows'";
    c.add(
        new Case(
            "pod templates",
            "a privileged container",
            R,
            podTemplate("{containers: [{name: main, securityContext: {privileged: true}}]}"),
            vap,
            "has a privileged container"));
    c.add(
        new Case(
            "pod templates",
            "a hostPath volume",
            R,
            podTemplate("{volumes: [{name: h, hostPath: {path: /}}]}"),
            vap,
            "mounts a hostPath volume"));
    c.add(
        new Case(
            "pod templates",
            "hostNetwork",
            R,
            podTemplate("{hostNetwork: true}"),
            vap,
            "sets hostNetwork, hostPID or hostIPC"));
    c.add(
        new Case(
            "pod templates",
            "hostPID three loops deep",
            R,
            wf(
                """
                steps:
                  - id: l1
                    type: foreach
                    foreach: {over: [{name: x, values: [1]}]}
                    steps:
                      - id: l2
                        type: while
                        while: {condition: "false"}
                        steps:
                          - {id: l3, type: foreach, foreach: {over: [{name: y, values: [1]}]}, steps: [{id: a, job: {image: busybox:1.36, podTemplate: {spec: {hostPID: true}}}}]}
                """),
            vap,
            "sets hostNetwork, hostPID or hostIPC"));
    c.add(
        new Case(
            "pod templates",
            "the operator's ServiceAccount",
            R,
            wf("steps: [{id: a, job: {image: busybox:1.36, serviceAccountName: baton}}]"),
            List.of(vap, "runs as the operator's own ServiceAccount"),
            E2E.LEASE_NAMESPACE));
    c.add(
        new Case(
            "pod templates",
            "the operator's ServiceAccount in a podTemplate in a loop",
            R,
            loop(
                "[{id: a, job: {image: busybox:1.36, podTemplate: {spec: {serviceAccountName: baton}}}}]"),
            List.of(vap, "runs as the operator's own ServiceAccount"),
            E2E.LEASE_NAMESPACE));
    c.add(
        new Case(
            "pod templates",
            "a podTemplate that is not a PodTemplateSpec",
            V,
            wf(
                "steps: [{id: a, job: {image: busybox:1.36, podTemplate: {spec: {restartPolicy: [x]}}}}]"),
            "step \"a\": job.podTemplate is not a PodTemplateSpec"));
    // The policy fails closed on containers that are not a list, but says so in CEL's words, not
    // Baton's.
    c.add(
        new Case(
            "pod templates",
            "podTemplate containers a string",
            R,
            wf(
                "steps: [{id: a, job: {image: busybox:1.36, podTemplate: {spec: {containers: main}}}}]"),
            vap,
            "fails to evaluate",
            "expected iterable type"));

    // Unknown or mistyped fields (kubectl create validates strictly at the top level; loop bodies
    // are the compiler's)
    c.add(
        new Case(
            "fields",
            "dependOn at top level",
            R,
            wf("steps: [{id: a, type: noop}, {id: b, type: noop, dependOn: [a]}]"),
            "unknown field \"spec.steps[1].dependOn\""));
    c.add(
        new Case(
            "fields",
            "retires at top level",
            R,
            wf("steps: [{id: a, type: noop, retires: {userErrors: 1}}]"),
            "unknown field \"spec.steps[0].retires\""));
    c.add(
        new Case(
            "fields",
            "a step type that is not one",
            R,
            wf("steps: [{id: a, type: jobb}]"),
            "spec.steps[0].type",
            "Unsupported value: \"jobb\""));
    c.add(
        new Case(
            "fields",
            "dependOn inside a loop",
            V,
            loop("[{id: a, type: noop}, {id: load, type: noop, dependOn: [a]}]"),
            "step \"load\": unknown field \"dependOn\" (did you mean \"dependsOn\"?)"));
    c.add(
        new Case(
            "fields",
            "retires inside a loop",
            V,
            loop("[{id: load, type: noop, retires: {userErrors: 1}}]"),
            "step \"load\": unknown field \"retires\" (did you mean \"retry\"?)"));
    c.add(
        new Case(
            "fields",
            "a step type that is not one, inside a loop",
            V,
            loop("[{id: load, type: jobb}]"),
            "step \"load\": type: \"jobb\" is not one of job, noop, sleep, foreach, while, subworkflow"));
    c.add(
        new Case(
            "fields",
            "retry.userErrors a string inside a loop",
            V,
            loop("[{id: load, type: noop, retry: {userErrors: '3'}}]"),
            "step \"load\": retry.userErrors: expected an integer, got a string"));
    c.add(
        new Case(
            "fields",
            "an inner step that is a string",
            R,
            loop("[{id: a, type: noop}, load]"),
            "spec.steps[0].steps[1]",
            "must be of type object"));
    c.add(
        new Case(
            "fields",
            "a job that is a string inside a loop",
            V,
            loop("[{id: load, job: busybox}]"),
            "step \"load\": job: expected an object, got a string"));
    return c;
  }

  // --- The run -----------------------------------------------------------------------------------

  @BeforeAll
  static void start() throws Exception {
    open(NS, GOOD_NS);
    startOperator("malformed");
  }

  /** kubectl create -f - as {@code as} (null: the admin); returns the exit code and the output. */
  static Map.Entry<Integer, String> create(String ns, String yaml, String as) {
    List<String> command = new ArrayList<>(List.of("kubectl", "-n", ns, "create", "-f", "-"));
    if (as != null) command.add("--as=" + as);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().write(yaml.getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("kubectl create timed out");
      return Map.entry(p.exitValue(), out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String abbreviate(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "...";
  }

  @Test
  void everyMalformedInputIsStoppedAtOneLayerWithAMessageNamingIt() throws Exception {
    List<Case> cases = cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(60);
    long logStart = Files.size(operator.log);
    List<String> mismatches = new ArrayList<>();
    Map<Case, String> names = new java.util.LinkedHashMap<>();
    java.util.Set<Case> accepted = new java.util.HashSet<>();
    int n = 0;
    for (Case c : cases) {
      String name = "m" + (n++);
      names.put(c, name);
      var result = create(c.ns(), c.yaml().replace("NAME", name), null);
      String out = result.getValue();
      if (c.layer() == Layer.REFUSED) {
        if (result.getKey() == 0)
          mismatches.add(c.what() + ": expected refused, but created: " + abbreviate(out));
        else if (!c.expected().stream().allMatch(out::contains))
          mismatches.add(
              c.what() + ": refused, but not with " + c.expected() + ": " + abbreviate(out));
      } else if (result.getKey() != 0) {
        mismatches.add(c.what() + ": expected to be accepted, but refused: " + abbreviate(out));
      } else {
        accepted.add(c);
      }
    }

    // The operator's verdicts: every Workflow judged, every instance ended.
    Map<String, Workflow> workflows = Map.of();
    Map<String, WorkflowInstance> instances = Map.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline) {
      workflows =
          client.resources(Workflow.class).inNamespace(NS).list().getItems().stream()
              .collect(Collectors.toMap(w -> w.getMetadata().getName(), Function.identity()));
      instances =
          client.resources(WorkflowInstance.class).inNamespace(NS).list().getItems().stream()
              .collect(Collectors.toMap(i -> i.getMetadata().getName(), Function.identity()));
      if (judged(names, accepted, workflows, instances)) break;
      Thread.sleep(2000);
    }

    for (var e : names.entrySet()) {
      Case c = e.getKey();
      if (!accepted.contains(c)) continue;
      if (c.layer() == Layer.INVALID && valid(workflows.get(e.getValue())) == null) {
        mismatches.add(c.what() + ": the Workflow was never judged (no Valid condition)");
        continue;
      }
      if (c.layer() == Layer.FAILED && !ended(instances.get(e.getValue() + "-run"))) {
        WorkflowInstance i = instances.get(e.getValue() + "-run");
        mismatches.add(
            c.what()
                + ": the instance did not end: "
                + (i == null || i.getStatus() == null
                    ? "no status"
                    : i.getStatus().phase + " " + i.getStatus().message));
        continue;
      }
      List<String> expected =
          c.expected().stream().map(s -> s.replace("NAME", e.getValue())).toList();
      if (c.layer() == Layer.INVALID) {
        var cond = valid(workflows.get(e.getValue()));
        if (!"False".equals(cond.getStatus()))
          mismatches.add(
              c.what()
                  + ": expected Valid=False, got "
                  + cond.getStatus()
                  + ": "
                  + cond.getMessage());
        else if (!expected.stream().allMatch(cond.getMessage()::contains))
          mismatches.add(
              c.what()
                  + ": Valid=False, but not with "
                  + expected
                  + ": "
                  + abbreviate(cond.getMessage()));
      } else if (c.layer() == Layer.FAILED) {
        WorkflowInstance i = instances.get(e.getValue() + "-run");
        String message = String.valueOf(i.getStatus().message);
        if (i.getStatus().phase != InstancePhase.Failed)
          mismatches.add(
              c.what() + ": expected Failed, got " + i.getStatus().phase + ": " + message);
        else if (!expected.stream().allMatch(message::contains))
          mismatches.add(
              c.what() + ": Failed, but not with " + expected + ": " + abbreviate(message));
      }
    }
    // A Workflow whose own definition is fine and whose run failed is still Valid: the layers do
    // not blur.
    for (var e : names.entrySet()) {
      if (e.getKey().layer() == Layer.FAILED
          && accepted.contains(e.getKey())
          && !e.getKey().what().equals("a run of an invalid workflow")) {
        var cond = valid(workflows.get(e.getValue()));
        if (cond == null || !"True".equals(cond.getStatus()))
          mismatches.add(
              e.getKey().what()
                  + ": its Workflow should be Valid=True, is "
                  + (cond == null ? "unjudged" : cond.getMessage()));
      }
    }
    if (!mismatches.isEmpty()) {
      throw new AssertionError(
          mismatches.size()
              + " of "
              + cases.size()
              + " cases differ from what they expect:\n"
              + String.join("\n", mismatches));
    }

    // The same operator process is alive and ready, logged no stop, and runs a good workflow
    // elsewhere.
    assertThat(operator.process.isAlive()).as("the operator process is alive").isTrue();
    int readyz =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.port + "/readyz"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode();
    assertThat(readyz).as("/readyz").isEqualTo(200);
    E2E.apply(
        client,
        GOOD_NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: good
        spec:
          params: [{name: days, type: array, default: [1, 2, 3]}]
          steps:
            - id: a
              job: {image: busybox:1.36, command: [sh, -c, 'echo a']}
            - id: each
              type: foreach
              dependsOn: [a]
              foreach: {over: [{name: d, expr: params.days}]}
              steps:
                - {id: b, job: {image: busybox:1.36, command: [sh, -c, 'echo ${loop.d}']}}
        """);
    E2E.apply(client, GOOD_NS, Cluster.instanceYaml("good-1", "good"));
    WorkflowInstance good = E2E.awaitFinal(client, GOOD_NS, "good-1", Duration.ofSeconds(120));
    assertThat(good.getStatus().phase)
        .as(good.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    assertThat(operator.process.isAlive()).isTrue();
    String log = Files.readString(operator.log).substring((int) logStart);
    assertThat(
            Pattern.compile(
                    "(?i)(stopping|informer[^\\n]*stopped|fatal|OutOfMemoryError|StackOverflowError)")
                .matcher(log)
                .find())
        .as(
            "the operator logged a stop or a fatal error:\n%s",
            abbreviate(
                log.lines()
                    .filter(l -> l.matches("(?i).*(stopping|stopped|fatal|Error).*"))
                    .collect(Collectors.joining("\n"))))
        .isFalse();
  }

  // --- Escalation: a tenant with Workflow rights in A gets nothing beyond A
  // ------------------------
  // (Privileged pods, hostPath, host namespaces and nodeName for a user without pod rights are
  // AdmissionPolicyE2ETest's; here: other ServiceAccounts, and other namespaces.)

  static final String A = "e2e-tenant-a";
  static final String B = "e2e-tenant-b";

  /** Workflow and WorkflowInstance rights in A, nothing else. */
  static final String TENANT = "e2e-tenant";

  /** The same, plus pods create in A. */
  static final String POD_TENANT = "e2e-pod-tenant";

  static void grant(String user, boolean pods) {
    var role =
        new io.fabric8.kubernetes.api.model.rbac.RoleBuilder()
            .withNewMetadata()
            .withName(user)
            .withNamespace(A)
            .endMetadata()
            .addToRules(
                new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder()
                    .withApiGroups("baton.dev")
                    .withResources("workflows", "workflowinstances")
                    .withVerbs("get", "list", "watch", "create", "update", "patch", "delete")
                    .build());
    if (pods)
      role.addToRules(
          new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder()
              .withApiGroups("")
              .withResources("pods")
              .withVerbs("create")
              .build());
    client.rbac().roles().inNamespace(A).resource(role.build()).createOr(r -> r.update());
    client
        .rbac()
        .roleBindings()
        .inNamespace(A)
        .resource(
            new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder()
                .withNewMetadata()
                .withName(user)
                .withNamespace(A)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", user)
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(user)
                .endSubject()
                .build())
        .createOr(r -> r.update());
  }

  static void refusedAs(String user, String ns, String yaml, String... expected) {
    var result = create(ns, yaml, user);
    assertThat(result.getKey()).as("created as %s: %s", user, result.getValue()).isNotZero();
    assertThat(result.getValue()).contains(expected);
  }

  static void createdAs(String user, String ns, String yaml) {
    var result = create(ns, yaml, user);
    assertThat(result.getKey()).as("refused as %s: %s", user, result.getValue()).isZero();
  }

  static String named(String name, String yaml) {
    return yaml.replace("NAME", name);
  }

  @Test
  void aTenantWithWorkflowRightsInOneNamespaceGetsNoOtherServiceAccountAndNothingOutsideIt()
      throws Exception {
    E2E.namespace(client, A);
    E2E.namespace(client, B);
    try {
      grant(TENANT, false);
      grant(POD_TENANT, true);
      // A ServiceAccount in A with more rights than the tenant: its token is what a pod of it would
      // get.
      client
          .serviceAccounts()
          .inNamespace(A)
          .resource(
              new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("builder")
                  .endMetadata()
                  .build())
          .createOr(x -> x.update());
      String mayNot = TENANT + " may not create pods in namespace " + A;

      // Another ServiceAccount's token: a step that names one is a pod, which the tenant may not
      // create.
      refusedAs(
          TENANT,
          A,
          named(
              "sa",
              wf("steps: [{id: a, job: {image: busybox:1.36, serviceAccountName: builder}}]")),
          mayNot);
      refusedAs(
          TENANT,
          A,
          named(
              "sa-template",
              wf(
                  """
                  steps:
                    - id: w
                      type: while
                      while: {condition: "false"}
                      steps: [{id: a, job: {image: busybox:1.36, podTemplate: {spec: {serviceAccountName: builder, automountServiceAccountToken: true}}}}]
                  """)),
          mayNot);

      // Nothing in B: no rights there at all ...
      refusedAs(
          TENANT,
          B,
          named("there", wf("steps: [{id: a, type: noop}]")),
          "cannot create resource \"workflows\"",
          "in the namespace \"" + B + "\"");
      refusedAs(
          TENANT,
          B,
          named("there", run(null).substring(4)),
          "cannot create resource \"workflowinstances\"");
      // ... and no field names another namespace: a subworkflow's workflow is a name, not a path
      // ...
      refusedAs(
          TENANT,
          A,
          named(
              "path",
              run(null).substring(4).replace("workflow: NAME", "workflow: " + B + "/callee")),
          "spec.workflow",
          "should match");
      refusedAs(
          TENANT,
          A,
          named(
              "sub-path",
              wf(
                  "steps: [{id: sub, type: subworkflow, subworkflow: {workflow: '"
                      + B
                      + "/callee'}}]")),
          "spec.steps[0].subworkflow.workflow",
          "should match");
      // ... subworkflow.namespace does not exist: refused by a strict create, an unknown field in a
      // loop body ...
      refusedAs(
          TENANT,
          A,
          named(
              "sub-ns",
              wf(
                  "steps: [{id: sub, type: subworkflow, subworkflow: {workflow: callee, namespace: "
                      + B
                      + "}}]")),
          "unknown field \"spec.steps[0].subworkflow.namespace\"");
      createdAs(
          TENANT,
          A,
          named(
              "sub-ns-loop",
              loop(
                  "[{id: sub, type: subworkflow, subworkflow: {workflow: callee, namespace: "
                      + B
                      + "}}]")));
      Workflow judged =
          Cluster.await(
              "sub-ns-loop judged",
              () -> client.resources(Workflow.class).inNamespace(A).withName("sub-ns-loop").get(),
              w -> valid(w) != null,
              Duration.ofSeconds(60));
      assertThat(valid(judged).getStatus()).isEqualTo("False");
      assertThat(valid(judged).getMessage())
          .contains("step \"sub\": subworkflow: unknown field \"namespace\"");

      // ... and when a lax client sends it anyway, the API server drops it: the child runs in A.
      // (The same name in B, which the operator never looks at.)
      E2E.apply(client, B, named("callee", wf("steps: [{id: there, type: noop}]")));
      createdAs(TENANT, A, named("callee", wf("steps: [{id: here, type: noop}]")));
      var lax =
          new ArrayList<>(
              List.of(
                  "kubectl", "-n", A, "create", "--validate=false", "--as=" + TENANT, "-f", "-"));
      Process p = new ProcessBuilder(lax).redirectErrorStream(true).start();
      p.getOutputStream()
          .write(
              named(
                      "caller",
                      wf(
                              "steps: [{id: sub, type: subworkflow, subworkflow: {workflow: callee, namespace: "
                                  + B
                                  + "}}]")
                          + run(null))
                  .getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(out).isZero();
      assertThat(
              E2E.kubectl(
                  "-n",
                  A,
                  "get",
                  "workflows.baton.dev",
                  "caller",
                  "-o",
                  "jsonpath={.spec.steps[0].subworkflow}"))
          .doesNotContain(B);
      WorkflowInstance caller = E2E.awaitFinal(client, A, "caller-run", Duration.ofSeconds(120));
      assertThat(caller.getStatus().phase)
          .as(caller.getStatus().message)
          .isEqualTo(InstancePhase.Succeeded);
      List<WorkflowInstance> children =
          client
              .resources(WorkflowInstance.class)
              .inNamespace(A)
              .withLabel("baton.dev/parent", "caller-run")
              .list()
              .getItems();
      assertThat(children).hasSize(1);
      assertThat(children.getFirst().getStatus().steps).containsKey("here");
      assertThat(client.resources(WorkflowInstance.class).inNamespace(B).list().getItems())
          .isEmpty();

      // A job step whose podTemplate names B: its Job and pod are in A, like every other.
      createdAs(
          POD_TENANT,
          A,
          named(
              "elsewhere",
              wf(
                      "steps: [{id: a, job: {image: busybox:1.36, command: [sh, -c, 'echo a'], podTemplate: {metadata: {namespace: "
                          + B
                          + "}}}}]")
                  + run(null)));
      WorkflowInstance elsewhere =
          E2E.awaitFinal(client, A, "elsewhere-run", Duration.ofSeconds(120));
      assertThat(elsewhere.getStatus().phase)
          .as(elsewhere.getStatus().message)
          .isEqualTo(InstancePhase.Succeeded);
      assertThat(E2E.jobs(client, A, "elsewhere-run")).hasSize(1);
      assertThat(client.batch().v1().jobs().inNamespace(B).list().getItems()).isEmpty();
      assertThat(client.pods().inNamespace(B).list().getItems()).isEmpty();
    } finally {
      client.namespaces().withName(A).delete();
      client.namespaces().withName(B).delete();
    }
  }

  /**
   * A run a user labels as some instance's child, with no owner reference to a parent, is no
   * subworkflow child: its Workflow's run strategy applies to it like any other run.
   */
  @Test
  void aForgedParentLabelDoesNotSkipTheRunStrategy() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata: {name: forged-first}
        spec:
          runStrategy: {type: FirstOnly}
          steps:
            - {id: nap, type: sleep, sleep: 60s}
        """);
    for (String name : List.of("forged-first-1", "forged-first-2")) {
      E2E.apply(
          client,
          NS,
          """
          apiVersion: baton.dev/v1alpha1
          kind: WorkflowInstance
          metadata:
            name: %s
            labels: {baton.dev/parent: someone-elses-run}
          spec: {workflow: forged-first}
          """
              .formatted(name));
      if (name.endsWith("-1")) {
        Cluster.await(
            "forged-first-1 Running",
            () -> E2E.instance(client, NS, "forged-first-1"),
            i -> i != null && i.getStatus() != null && i.getStatus().phase == InstancePhase.Running,
            Duration.ofSeconds(60));
      }
    }

    WorkflowInstance second =
        Cluster.await(
            "forged-first-2 ended",
            () -> E2E.instance(client, NS, "forged-first-2"),
            MalformedInputE2ETest::ended,
            Duration.ofSeconds(60));
    assertThat(second.getStatus().phase)
        .as(second.getStatus().message)
        .isEqualTo(InstancePhase.Stopped);
    assertThat(E2E.instance(client, NS, "forged-first-1").getStatus().phase)
        .isEqualTo(InstancePhase.Running);
  }

  static boolean ended(WorkflowInstance i) {
    return i != null
        && i.getStatus() != null
        && i.getStatus().phase != null
        && i.getStatus().phase.isFinal();
  }

  static boolean judged(
      Map<Case, String> names,
      java.util.Set<Case> accepted,
      Map<String, Workflow> workflows,
      Map<String, WorkflowInstance> instances) {
    return names.entrySet().stream()
        .filter(e -> accepted.contains(e.getKey()))
        .allMatch(e ->
            switch (e.getKey().layer()) {
              case INVALID -> valid(workflows.get(e.getValue())) != null;
              case FAILED -> ended(instances.get(e.getValue() + "-run"));
              case REFUSED -> true;
            });
  }

  static io.fabric8.kubernetes.api.model.Condition valid(Workflow w) {
    if (w == null || w.getStatus() == null || w.getStatus().conditions == null) return null;
    return w.getStatus().conditions.stream()
        .filter(c -> Conditions.VALID.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }
}
