package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import dev.baton.api.Json;
import dev.baton.api.ParamSpec;
import dev.baton.api.SignalTrigger;
import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.api.WorkflowSpec;
import dev.baton.expr.Expression;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Expressions;
import dev.baton.expr.Template;
import dev.baton.signals.CompiledSignalTrigger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a definition and compiles it. Collects every problem it can find rather than stopping
 * at the first, so a user fixes a definition in one round.
 *
 * <p>Steps nest: a foreach or while step's inner steps are a list of their own, checked by the same
 * rules and compiled into its body. The CRD's schema sees only the top level (inner steps are
 * untyped there), so every rule the schema states for a step is checked here again, at each level.
 */
public final class WorkflowCompiler {
  private final Limits limits;

  public WorkflowCompiler() {
    this(Limits.DEFAULT);
  }

  public WorkflowCompiler(Limits limits) {
    this.limits = limits;
  }

  public CompiledWorkflow compile(WorkflowSpec spec) throws InvalidDefinitionException {
    if (spec == null || spec.steps == null || spec.steps.isEmpty()) {
      throw new InvalidDefinitionException(
          List.of("spec.steps: a workflow needs at least one step"));
    }
    Problems problems = new Problems();
    int size = Json.write(spec).getBytes(StandardCharsets.UTF_8).length;
    if (size > limits.maxDefinitionBytes()) {
      problems
          .about("spec")
          .add(
              "the definition is "
                  + size
                  + " bytes, over the limit of "
                  + limits.maxDefinitionBytes());
    }
    checkParams(spec.params, problems);
    checkSignalTriggers(spec, problems);
    Fields fields = new Fields(limits);
    Duration timeout =
        fields.duration(
            problems.about("spec.timeout"), spec.timeout, Limits.DEFAULT_WORKFLOW_TIMEOUT);
    fields.duration(problems.about("spec.pendingTimeout"), spec.pendingTimeout, null);
    ScheduleChecks.check(spec, fields, problems);

    // Ids first, across the whole tree: every later check refers to steps by id.
    StepTree tree = StepTree.survey(spec.steps, limits, problems);
    if (tree.total() > limits.maxTotalSteps()) {
      problems
          .about("spec.steps")
          .add(
              tree.total()
                  + " steps in all, counting those inside foreach and while steps, over the limit of "
                  + limits.maxTotalSteps());
    }
    if (tree.badIds()) throw problems.rejection();

    Lists lists = new Lists(tree, fields, problems);
    Level top = lists.compile(spec.steps, Visibility.TOP);
    if (!problems.isEmpty()) throw problems.rejection();
    return top.assemble(
        spec,
        Json.hash(spec),
        Map.copyOf(fields.templates()),
        timeout,
        spec.params == null ? List.of() : List.copyOf(spec.params),
        lists.references.read());
  }

  /** Each signal trigger against the params; see {@link CompiledSignalTrigger#compile}. */
  private static void checkSignalTriggers(WorkflowSpec spec, Problems problems) {
    if (spec.triggers == null || spec.triggers.signals == null) return;
    Set<String> names = new HashSet<>();
    List<String> found = new ArrayList<>();
    for (SignalTrigger t : spec.triggers.signals) {
      if (t == null) continue;
      if (t.name != null && !names.add(t.name)) {
        found.add("trigger " + quote(t.name) + ": a signal trigger of that name is declared twice");
      }
      CompiledSignalTrigger.compile(t, spec.params == null ? List.of() : spec.params, found);
    }
    found.forEach(problems::add);
  }

  private static void checkParams(List<ParamSpec> params, Problems problems) {
    if (params == null) return;
    Set<String> seen = new HashSet<>();
    for (ParamSpec p : params) {
      if (p == null || p.name == null || !p.name.matches(ParamSpec.NAME_PATTERN)) {
        problems
            .about("param " + (p == null || p.name == null ? "with no name" : quote(p.name)))
            .add("name must match " + ParamSpec.NAME_PATTERN);
        continue;
      }
      Problems.Reporter param = problems.about("param " + quote(p.name));
      if (!seen.add(p.name)) {
        param.add("declared twice");
      }
      if (p.defaultValue != null && !ParamResolver.matches(p.typeOrDefault(), p.defaultValue)) {
        param.add("default " + p.defaultValue + " is not of type " + p.typeOrDefault().wireName());
      }
    }
  }

  /**
   * One definition's lists of steps being compiled, a loop's body with the list it is in. Holds
   * what they share: the tree of ids, the templates compiled so far and the problems found.
   */
  private static final class Lists {
    private final StepTree tree;
    private final Fields fields;
    private final StepTypes types;
    private final SignalChecks signals;
    private final References references;
    private final Problems problems;

    Lists(StepTree tree, Fields fields, Problems problems) {
      this.tree = tree;
      this.fields = fields;
      this.types = new StepTypes(fields);
      this.signals = new SignalChecks(fields);
      this.references = new References(tree, fields.templates(), problems);
      this.problems = problems;
    }

    /**
     * The steps of one list, each with its body, then what they refer to: a step's references are
     * checked once the list's bodies are compiled.
     */
    Level compile(List<Step> steps, Visibility visible) {
      StepList list = StepList.of(steps, tree, problems);
      List<Level.Parts> parts = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) parts.add(compileStep(list, i, visible));
      Level level = new Level(list, parts);
      references.check(level, visible);
      return level;
    }

    private Level.Parts compileStep(StepList list, int i, Visibility visible) {
      Step s = list.steps().get(i);
      Problems.Reporter step = problems.step(s.id);
      Expression condition = null;
      if (s.condition != null) {
        try {
          condition = Expressions.condition(s.condition);
        } catch (ExpressionException e) {
          step.add("if " + e.getMessage());
        }
      }
      Map<String, Template> params = fields.params(step, "params", s.params);
      Duration timeout = fields.duration(step.field("timeout"), s.timeout, null);
      fields.duration(step.field("pendingTimeout"), s.pendingTimeout, null);
      if (s.retry != null && s.retry.backoff != null) {
        fields.duration(step.field("retry.backoff.delay"), s.retry.backoff.delay, null);
        fields.duration(step.field("retry.backoff.maxDelay"), s.retry.backoff.maxDelay, null);
      }
      StepType type = s.typeOrDefault();
      Duration sleep = types.check(s, step);
      var over = type == StepType.FOREACH ? types.foreach(s, step) : null;
      Expression whileCondition = type == StepType.WHILE ? types.whileCondition(s, step) : null;
      Map<String, Template> subworkflowParams =
          type == StepType.SUBWORKFLOW ? types.subworkflow(s, step) : null;
      CompiledSignals stepSignals = signals.check(s, step);
      Level body = null;
      List<Step> inner = tree.body(s);
      if (type.isLoop() && !inner.isEmpty()) {
        body = compile(inner, visible.inBodyOf(list, i, inner));
      }
      return new Level.Parts(
          condition,
          params,
          timeout,
          sleep,
          body,
          over,
          whileCondition,
          subworkflowParams,
          stepSignals);
    }
  }
}
