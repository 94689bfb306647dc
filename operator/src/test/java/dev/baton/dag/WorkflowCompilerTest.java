package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.api.Json;
import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.api.WorkflowSpec;
import dev.baton.expr.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkflowCompilerTest {
  /** Declared out of order on purpose: the compiler, not the author, orders the graph. */
  static final String DIAMOND =
      """
      steps:
        - id: report
          dependsOn: [load, validate]
          job: {image: busybox}
        - id: load
          dependsOn: [extract]
          job: {image: busybox}
        - id: validate
          dependsOn: [extract]
          job: {image: busybox}
        - id: extract
          job: {image: busybox}
      """;

  private static List<String> ids(CompiledWorkflow wf) {
    return wf.steps().stream().map(CompiledStep::id).toList();
  }

  private static void assertTopological(CompiledWorkflow wf) {
    for (CompiledStep s : wf.steps()) {
      assertThat(wf.steps().get(s.index())).isSameAs(s);
      assertThat(wf.indexById()).containsEntry(s.id(), s.index());
      for (int dep : s.dependencies()) {
        assertThat(dep).as("%s depends on step #%d", s.id(), dep).isLessThan(s.index());
        assertThat(wf.steps().get(dep).dependents()).contains(s.index());
      }
      Set<String> declared = new HashSet<>(s.definition().dependsOnOrEmpty());
      Set<String> compiled =
          Arrays.stream(s.dependencies())
              .mapToObj(j -> wf.steps().get(j).id())
              .collect(Collectors.toSet());
      assertThat(compiled).isEqualTo(declared);
    }
  }

  @Test
  void stepsComeInAnOrderWhereDependenciesComeFirst() {
    CompiledWorkflow wf = Specs.compile(DIAMOND);
    assertThat(ids(wf).getFirst()).isEqualTo("extract");
    assertThat(ids(wf).getLast()).isEqualTo("report");
    assertTopological(wf);
  }

  @Test
  void edgesAreIndexedBothWays() {
    CompiledWorkflow wf = Specs.compile(DIAMOND);
    CompiledStep extract = wf.step("extract");
    assertThat(extract.dependencies()).isEmpty();
    assertThat(Arrays.stream(extract.dependents()).mapToObj(i -> wf.steps().get(i).id()))
        .containsExactlyInAnyOrder("load", "validate");
    assertThat(wf.step("report").dependents()).isEmpty();
    assertThat(wf.step("nope")).isNull();
    assertThat(wf.size()).isEqualTo(4);
  }

  @Test
  void randomGraphsAreOrderedTopologically() {
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      int n = 2 + random.nextInt(60);
      List<Step> steps = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Step s = new Step();
        s.id = "s" + i;
        s.type = StepType.NOOP;
        List<String> deps = new ArrayList<>();
        for (int j = 0; j < i; j++) if (random.nextInt(5) == 0) deps.add("s" + j);
        s.dependsOn = deps;
        steps.add(s);
      }
      java.util.Collections.shuffle(steps, random);
      WorkflowSpec spec = new WorkflowSpec();
      spec.steps = steps;
      assertTopological(Specs.compile(spec, Limits.DEFAULT));
    }
  }

  @Test
  void workflowTimeoutDefaultsToTenDays() {
    assertThat(Specs.compile(DIAMOND).timeout()).isEqualTo(Duration.ofDays(10));
  }

  @Test
  void durationsAreParsed() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            timeout: 1h30m
            steps:
              - id: work
                timeout: 90s
                job: {image: busybox}
              - id: nap
                type: sleep
                sleep: 500ms
            """);
    assertThat(wf.timeout()).isEqualTo(Duration.ofMinutes(90));
    assertThat(wf.step("work").timeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(wf.step("work").sleep()).isNull();
    assertThat(wf.step("nap").sleep()).isEqualTo(Duration.ofMillis(500));
    assertThat(wf.step("nap").timeout()).isNull();
    assertThat(wf.step("nap").type()).isEqualTo(StepType.SLEEP);
  }

  @Test
  void conditionsAndTemplatesAreCompiledOnce() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            params:
              - {name: date, default: "2024-05-01"}
            steps:
              - id: extract
                job:
                  image: busybox
                  args: ["--date=${params.date}", "plain"]
                  env:
                    - {name: DAY, value: "${params.date}"}
              - id: load
                dependsOn: [extract]
                if: steps.extract.outputs.rows > 0
                params:
                  rows: "${steps.extract.outputs.rows}"
                job: {image: busybox, command: ["load", "--date=${params.date}"]}
            """);
    assertThat(wf.templates())
        .containsKeys("--date=${params.date}", "${params.date}")
        .doesNotContainKey("plain");
    assertThat(wf.step("load").condition().source()).isEqualTo("steps.extract.outputs.rows > 0");
    assertThat(wf.step("extract").condition()).isNull();
    assertThat(wf.step("load").params()).containsOnlyKeys("rows");
    assertThat(
            wf.step("load")
                .params()
                .get("rows")
                .render(
                    new Scope(Map.of(), Map.of("extract", Map.of("outputs", Map.of("rows", 7L))))))
        .isEqualTo("7");
  }

  @Test
  void aStepMayReadAnyAncestorNotOnlyItsDirectDependencies() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            steps:
              - id: a
                job: {image: busybox}
              - id: b
                dependsOn: [a]
                type: noop
              - id: c
                dependsOn: [b]
                if: steps.a.outputs.ok && steps['b'].state == 'Succeeded'
                job: {image: busybox}
            """);
    CompiledStep c = wf.step("c");
    assertThat(c.dependencies())
        .as("a is an ancestor of c, not a dependency")
        .containsExactly(wf.indexById().get("b"));
    Map<String, Object> bSucceeded = Map.of("state", "Succeeded");
    assertThat(
            c.condition()
                .test(
                    new Scope(
                        Map.of(),
                        Map.of("a", Map.of("outputs", Map.of("ok", true)), "b", bSucceeded))))
        .isTrue();
    assertThat(
            c.condition()
                .test(
                    new Scope(
                        Map.of(),
                        Map.of("a", Map.of("outputs", Map.of("ok", false)), "b", bSucceeded))))
        .as("c's condition reads a's outputs")
        .isFalse();
  }

  @Test
  void aPodTemplateImageStandsInForJobImage() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            steps:
              - id: a
                job:
                  podTemplate:
                    spec:
                      containers:
                        - {name: main, image: busybox}
                      volumes:
                        - {name: data, emptyDir: {}}
            """);
    assertThat(wf.size()).isEqualTo(1);
  }

  @Test
  void aNullPodTemplateMeansNone() {
    assertThat(Specs.compile("steps: [{id: a, job: {image: busybox, podTemplate: ~}}]").size())
        .isEqualTo(1);
  }

  @Test
  void theHashIsStableAndIgnoresKeyOrder() {
    String a = "{\"steps\":[{\"id\":\"a\",\"type\":\"noop\"}],\"timeout\":\"1h\"}";
    String b = "{\"timeout\":\"1h\",\"steps\":[{\"type\":\"noop\",\"id\":\"a\"}]}";
    assertThat(Specs.compile(a).hash()).isEqualTo(Specs.compile(b).hash()).hasSize(16);
    assertThat(Specs.compile(a).hash()).isNotEqualTo(Specs.compile(a.replace("1h", "2h")).hash());
  }

  @Test
  void everyProblemIsReportedInOneRound() {
    WorkflowSpec spec =
        Specs.parse(
            """
            timeout: forever
            steps:
              - id: a
                if: "params.x >"
                job: {}
              - id: b
                dependsOn: [c]
                type: sleep
            """);
    assertThatThrownBy(() -> new WorkflowCompiler().compile(spec))
        .isInstanceOfSatisfying(
            InvalidDefinitionException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(5)
                    .anySatisfy(p -> assertThat(p).startsWith("spec.timeout"))
                    .anySatisfy(p -> assertThat(p).startsWith("step \"a\": if"))
                    .anySatisfy(p -> assertThat(p).startsWith("step \"a\": job.image"))
                    .anySatisfy(p -> assertThat(p).startsWith("step \"b\": dependsOn \"c\""))
                    .anySatisfy(p -> assertThat(p).startsWith("step \"b\": a sleep step needs")));
  }

  @Test
  void theExceptionMessageJoinsTheProblems() {
    var e = new InvalidDefinitionException(List.of("one", "two"));
    assertThat(e).hasMessage("one; two");
    assertThat(e.problems()).containsExactly("one", "two");
  }

  @Test
  void aRelaxedLimitAdmitsAWideGraph() {
    WorkflowSpec spec = new WorkflowSpec();
    spec.steps = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Step s = new Step();
      s.id = "s" + i;
      s.type = StepType.NOOP;
      spec.steps.add(s);
    }
    assertThatThrownBy(() -> new WorkflowCompiler().compile(spec))
        .hasMessageContaining("1000 steps, over the limit of 300");
    assertThat(Specs.compile(spec, new Limits(1000, 1 << 20, Duration.ofDays(120))).size())
        .isEqualTo(1000);
  }

  @Test
  void theCompiledWorkflowKeepsTheSpecAndItsParams() {
    WorkflowSpec spec =
        Specs.parse("params: [{name: x, default: 1, type: integer}]\nsteps: [{id: a, type: noop}]");
    CompiledWorkflow wf = Specs.compile(spec, Limits.DEFAULT);
    assertThat(wf.spec()).isSameAs(spec);
    assertThat(wf.params()).extracting(p -> p.name).containsExactly("x");
    assertThat(Json.write(wf.spec())).contains("\"default\":1");
  }

  static final String LOOPS =
      """
      params: [{name: regions, type: array, default: [eu, us]}]
      steps:
        - {id: prepare, type: noop}
        - id: days
          type: foreach
          dependsOn: [prepare]
          foreach:
            concurrency: 5
            over:
              - {name: day, expr: "['2024-01-01', '2024-01-02']"}
              - {name: region, values: [eu, us, 3]}
          steps:
            - id: report
              dependsOn: [load]
              job: {image: busybox, args: ["${loop.day}-${loop.region}", "${steps.load.outputs.rows}"]}
            - id: load
              if: "steps.prepare.state == 'Succeeded'"
              job: {image: busybox, args: ["--day=${loop.day}"]}
            - id: poll
              type: while
              dependsOn: [load]
              while: {condition: "loop.index == 0 || last.check.outputs.more", maxIterations: 50}
              steps:
                - id: check
                  job: {image: busybox, args: ["${loop.day}/${loop.index}"]}
        - id: child
          type: subworkflow
          dependsOn: [days]
          subworkflow: {workflow: nightly-load, params: {b: "${params.regions[0]}", a: "x"}}
      """;

  @Test
  void loopStepsCompileTheirInnerStepsIntoBodies() {
    CompiledWorkflow wf = Specs.compile(LOOPS);
    assertThat(ids(wf)).containsExactly("prepare", "days", "child");
    assertThat(wf.size()).as("the top level only").isEqualTo(3);

    CompiledStep days = wf.step("days");
    CompiledWorkflow body = days.body();
    assertThat(body).isNotNull();
    assertThat(ids(body)).containsExactly("load", "report", "poll");
    assertTopological(body);
    assertThat(body.step("report").dependencies()).containsExactly(body.indexById().get("load"));
    assertThat(body.step("load").condition().source())
        .isEqualTo("steps.prepare.state == 'Succeeded'");
    assertThat(body.hash()).isEqualTo(wf.hash());
    assertThat(body.spec()).isNull();
    assertThat(body.timeout()).isNull();
    assertThat(body.params()).isEmpty();
    assertThat(body.templates()).as("one map for the whole tree").isSameAs(wf.templates());
    assertThat(wf.templates())
        .containsKeys(
            "${loop.day}-${loop.region}", "--day=${loop.day}", "${loop.day}/${loop.index}");

    assertThat(days.over())
        .extracting(CompiledStep.LoopParamSource::name)
        .containsExactly("day", "region");
    assertThat(days.over().get(0).expr().evaluate(Scope.EMPTY))
        .isEqualTo(List.of("2024-01-01", "2024-01-02"));
    assertThat(days.over().get(0).values()).isNull();
    assertThat(days.over().get(1).expr()).isNull();
    assertThat(days.over().get(1).values()).containsExactly("eu", "us", 3L);
    assertThat(days.whileCondition()).isNull();
    assertThat(days.subworkflowParams()).isNull();

    CompiledStep poll = body.step("poll");
    assertThat(poll.over()).isNull();
    assertThat(poll.whileCondition().source())
        .isEqualTo("loop.index == 0 || last.check.outputs.more");
    assertThat(
            poll.whileCondition()
                .test(new Scope(Map.of(), Map.of(), Map.of("index", 0L), Map.of())))
        .isTrue();
    assertThat(ids(poll.body())).containsExactly("check");
    assertThat(poll.body().step("check").body()).isNull();

    CompiledStep child = wf.step("child");
    assertThat(child.body()).isNull();
    assertThat(child.subworkflowParams().keySet())
        .as("in declaration order")
        .containsExactly("b", "a");
    assertThat(
            child
                .subworkflowParams()
                .get("b")
                .render(new Scope(Map.of("regions", List.of("eu")), Map.of())))
        .isEqualTo("eu");
    assertThat(wf.step("prepare").body()).isNull();
  }

  @Test
  void stepsOutsideLoopsHaveNoLoopParts() {
    CompiledWorkflow wf = Specs.compile(DIAMOND);
    for (CompiledStep s : wf.steps()) {
      assertThat(s.body()).isNull();
      assertThat(s.over()).isNull();
      assertThat(s.whileCondition()).isNull();
      assertThat(s.subworkflowParams()).isNull();
    }
  }

  @Test
  void stepsInsideLoopsSeeWhatTheirLoopsSee() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            steps:
              - {id: list, type: noop}
              - id: outer
                type: foreach
                dependsOn: [list]
                foreach: {over: [{name: region, expr: "steps.list.outputs.regions"}]}
                steps:
                  - {id: prep, type: noop, if: "loop.region != '' && loop.index >= 0"}
                  - id: inner
                    type: foreach
                    dependsOn: [prep]
                    foreach:
                      over:
                        - {name: day, expr: "[loop.region + '-1', steps.prep.state]"}
                        - {name: region, values: [shadowed]}
                    steps:
                      - id: work
                        failureMode: FAIL_IMMEDIATELY
                        if: "steps.list.state == 'Succeeded' && steps.prep.state == 'Succeeded'"
                        job: {image: busybox, args: ["${loop.day}", "${loop.region}", "${loop.index}"]}
                  - id: poll
                    type: while
                    dependsOn: [prep]
                    while: {condition: "loop.index == 0 || (last.check.outputs.more && steps.prep.state == 'Succeeded' && loop.region != '')"}
                    steps:
                      - {id: check, type: noop, if: "loop.index == 0 || last.check.outputs.more"}
                      - id: deeper
                        type: foreach
                        dependsOn: [check]
                        foreach: {over: [{name: n, expr: "[loop.index]"}]}
                        steps: [{id: leaf, type: noop, if: "last.check.outputs.more && steps.check.state != '' && loop.n >= 0"}]
            """);
    CompiledWorkflow outer = wf.step("outer").body();
    assertThat(ids(outer.step("inner").body())).containsExactly("work");
    assertThat(ids(outer.step("poll").body().step("deeper").body())).containsExactly("leaf");
  }

  @Test
  void loopsMayNestTenDeep() {
    CompiledWorkflow wf = Specs.compile(MalformedDefinitionsTest.nested(10));
    int depth = 0;
    for (CompiledStep s = wf.steps().getFirst();
        s.body() != null;
        s = s.body().steps().getFirst()) {
      assertThat(s.type().isLoop()).isTrue();
      depth++;
    }
    assertThat(depth).isEqualTo(10);
  }

  @Test
  void aTreeMayHoldAThousandSteps() {
    CompiledWorkflow wf = Specs.compile(MalformedDefinitionsTest.loopsOf(4, 249));
    assertThat(wf.size()).isEqualTo(4);
    assertThat(wf.steps()).allSatisfy(s -> assertThat(s.body().size()).isEqualTo(249));
  }

  @Test
  void aRelaxedStepLimitAlsoRelaxesTheTreeLimit() {
    Limits wide = new Limits(5000, 1 << 22, Duration.ofDays(120));
    assertThat(wide.maxTotalSteps()).isEqualTo(5000);
    assertThat(wide.maxLoopDepth()).isEqualTo(Limits.DEFAULT.maxLoopDepth());
    assertThat(Specs.compile(MalformedDefinitionsTest.manySteps(2000), wide).size())
        .isEqualTo(2000);
  }

  @Test
  void aBackfillLoopsOverTheDatesBetweenTwoParams() {
    CompiledWorkflow wf =
        Specs.compile(
            """
            params: [{name: from, default: "2024-01-30"}, {name: to, default: "2024-02-02"}]
            steps:
              - id: backfill
                type: foreach
                foreach: {over: [{name: day, expr: "dates(params.from, params.to)"}]}
                steps: [{id: load, job: {image: busybox, args: ["--day=${loop.day}"]}}]
            """);
    var over = wf.step("backfill").over().getFirst();
    assertThat(
            over.expr()
                .evaluate(new Scope(Map.of("from", "2024-01-30", "to", "2024-02-02"), Map.of())))
        .isEqualTo(List.of("2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"));
    Scope iteration =
        new Scope(Map.of(), Map.of(), Map.of("day", "2024-01-31", "index", 1L), Map.of());
    assertThat(wf.templates().get("--day=${loop.day}").render(iteration))
        .isEqualTo("--day=2024-01-31");
  }

  @Test
  void aForeachWithAProblemIsReportedOnceNotOnEveryStepInside() {
    assertThatThrownBy(() ->
            new WorkflowCompiler()
                .compile(
                    Specs.parse(
                        """
                        steps:
                          - id: days
                            type: foreach
                            foreach: {concurrency: 0, over: [{name: day, values: [1]}, {name: hour, expr: "1 +"}]}
                            steps: [{id: b, type: noop, if: "loop.day == 1 && loop.hour == 2"}]
                        """)))
        .isInstanceOfSatisfying(
            InvalidDefinitionException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(2)
                    .allSatisfy(p -> assertThat(p).startsWith("step \"days\":")));
  }
}
