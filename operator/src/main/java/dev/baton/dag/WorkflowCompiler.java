package dev.baton.dag;

import dev.baton.api.Durations;
import dev.baton.api.ForeachSpec;
import dev.baton.api.Json;
import dev.baton.api.LoopParam;
import dev.baton.api.ParamSpec;
import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.api.SubworkflowSpec;
import dev.baton.api.WhileSpec;
import dev.baton.api.WorkflowSpec;
import dev.baton.expr.Expression;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Expressions;
import dev.baton.expr.Template;
import dev.baton.expr.Values;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Validates a definition and compiles it. Collects every problem it can find rather than stopping
 * at the first, so a user fixes a definition in one round.
 *
 * <p>Steps nest: a foreach or while step's inner steps are a list of their own, checked by the same
 * rules and compiled into its body. The CRD's schema sees only the top level (inner steps are
 * untyped there), so every rule the schema states for a step is checked here again, at each level.
 */
public final class WorkflowCompiler {
  /** Far longer than any real duration ("1d2h3m4s5ms" is 11). */
  private static final int MAX_DURATION_LENGTH = 64;
  /** As the CRD says of foreach.over. */
  private static final int MAX_LOOP_PARAMS = 8;
  /** A Kubernetes object name (DNS-1123 subdomain). */
  private static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";
  private static final int MAX_NAME_LENGTH = 253;

  private final Limits limits;

  public WorkflowCompiler() {
    this(Limits.DEFAULT);
  }

  public WorkflowCompiler(Limits limits) {
    this.limits = limits;
  }

  public CompiledWorkflow compile(WorkflowSpec spec) throws InvalidDefinitionException {
    List<String> problems = new ArrayList<>();
    if (spec == null || spec.steps == null || spec.steps.isEmpty()) {
      throw new InvalidDefinitionException(List.of("spec.steps: a workflow needs at least one step"));
    }
    int size = Json.write(spec).getBytes(StandardCharsets.UTF_8).length;
    if (size > limits.maxDefinitionBytes()) {
      problems.add(
          "spec: the definition is " + size + " bytes, over the limit of "
              + limits.maxDefinitionBytes());
    }
    checkParams(spec.params, problems);
    Duration timeout = duration("spec.timeout", spec.timeout, Limits.DEFAULT_WORKFLOW_TIMEOUT, problems);

    // Ids first, across the whole tree: every later check refers to steps by id.
    Tree tree = new Tree();
    survey(spec.steps, "spec.steps", null, 0, tree, problems);
    if (tree.total > limits.maxTotalSteps()) {
      problems.add(
          "spec.steps: " + tree.total + " steps in all, counting those inside foreach and while"
              + " steps, over the limit of " + limits.maxTotalSteps());
    }
    if (tree.badIds) {
      throw new InvalidDefinitionException(problems);
    }

    Map<String, Template> templates = new HashMap<>();
    Level top = compileList(spec.steps, Context.TOP, tree, templates, problems);
    if (!problems.isEmpty()) {
      throw new InvalidDefinitionException(problems);
    }
    String hash = Json.hash(spec);
    Map<String, Template> shared = Map.copyOf(templates);
    return assemble(
        top, spec, hash, shared, timeout, spec.params == null ? List.of() : List.copyOf(spec.params));
  }

  /** Every step id in the definition, at every level, and where it is. */
  private static final class Tree {
    final Map<String, String> location = new HashMap<>();
    /** The loop step whose body holds each step; absent for top-level steps. */
    final Map<String, String> parent = new HashMap<>();
    int total;
    boolean badIds;
  }

  /**
   * Records ids (unique across the tree), counts steps and checks the per-list and nesting
   * bounds. Goes into the bodies of loop steps only, as {@link #compileList} does, and no deeper
   * than the nesting bound, so a deeply nested definition cannot exhaust the stack.
   */
  private void survey(List<Step> steps, String path, String parent, int depth, Tree tree, List<String> problems) {
    if (steps.size() > limits.maxSteps()) {
      problems.add(
          (parent == null ? "spec.steps: " : "step " + quote(parent) + ": steps: ")
              + steps.size() + " steps, over the limit of " + limits.maxSteps()
              + (parent == null ? "" : " in one loop"));
    }
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      String at = path + "[" + i + "]";
      tree.total++;
      if (s == null || s.id == null || !s.id.matches(Step.ID_PATTERN)) {
        problems.add(
            at + ": id " + (s == null || s.id == null ? "is missing" : quote(s.id) + " must match " + Step.ID_PATTERN));
        tree.badIds = true;
      } else {
        String earlier = tree.location.putIfAbsent(s.id, at);
        if (earlier != null) {
          problems.add("step " + quote(s.id) + ": duplicate id (" + earlier + " and " + at + ")");
          tree.badIds = true;
        } else if (parent != null) {
          tree.parent.put(s.id, parent);
        }
      }
      if (s == null || !s.typeOrDefault().isLoop() || s.steps == null) continue;
      if (depth + 1 > limits.maxLoopDepth()) {
        problems.add(
            "step " + quote(String.valueOf(s.id)) + ": loops nest " + (depth + 1)
                + " deep here, over the limit of " + limits.maxLoopDepth());
        tree.badIds = true; // its body is not compiled, so stop before the checks that would
      } else {
        survey(s.steps, at + ".steps", s.id, depth + 1, tree, problems);
      }
    }
  }

  /**
   * What the steps of one list can see besides each other.
   *
   * @param frames the enclosing loop steps, outermost first
   * @param loopNames the names loop.x may take, or null outside any loop
   * @param last what last.x may name, or null where there is no previous iteration to read
   */
  private record Context(List<Frame> frames, Set<String> loopNames, LastScope last) {
    static final Context TOP = new Context(List.of(), null, null);
  }

  /** An enclosing loop step, the ids of the list it is in, and those it depends on. */
  private record Frame(String loopId, Set<String> listIds, Set<String> upstream) {}

  /** In a while loop: last.x names a step of its body, from the previous iteration. */
  private record LastScope(String whileId, Set<String> ids) {}

  /** One list of steps, checked and compiled but not yet indexed. */
  private record Level(List<Step> steps, int[] order, List<List<Integer>> deps, List<Parts> parts) {}

  private record Parts(
      Expression condition,
      Map<String, Template> params,
      Duration timeout,
      Duration sleep,
      Level body,
      List<CompiledStep.LoopParamSource> over,
      Expression whileCondition,
      Map<String, Template> subworkflowParams) {}

  private Level compileList(
      List<Step> steps, Context ctx, Tree tree, Map<String, Template> templates, List<String> problems) {
    Map<String, Integer> indexById = new LinkedHashMap<>();
    for (int i = 0; i < steps.size(); i++) indexById.put(steps.get(i).id, i);

    int n = steps.size();
    List<List<Integer>> deps = new ArrayList<>(n);
    for (Step s : steps) {
      List<Integer> d = new ArrayList<>();
      for (String dep : s.dependsOnOrEmpty()) {
        Integer j = dep == null ? null : indexById.get(dep);
        if (dep == null) {
          problems.add("step " + quote(s.id) + ": dependsOn has an empty entry");
        } else if (j == null && tree.location.containsKey(dep)) {
          problems.add(
              "step " + quote(s.id) + ": dependsOn " + quote(dep) + " is not in the same list of steps;"
                  + " a step can depend only on steps beside it (a step inside a loop sees the loop's"
                  + " dependencies)");
        } else if (j == null) {
          problems.add("step " + quote(s.id) + ": dependsOn " + quote(dep) + " is not a step" + suggestion(dep, indexById.keySet()));
        } else if (j == indexById.get(s.id)) {
          problems.add("step " + quote(s.id) + ": depends on itself");
        } else if (d.contains(j)) {
          problems.add("step " + quote(s.id) + ": dependsOn names " + quote(dep) + " twice");
        } else {
          d.add(j);
        }
      }
      deps.add(d);
    }
    int[] order = topologicalOrder(steps, deps, problems);

    List<Parts> parts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Step s = steps.get(i);
      String where = "step " + quote(s.id) + ": ";
      Expression condition = null;
      if (s.condition != null) {
        try {
          condition = Expressions.condition(s.condition);
        } catch (ExpressionException e) {
          problems.add(where + "if " + e.getMessage());
        }
      }
      Map<String, Template> params = compileParams(where, "params.", s.params, templates, problems);
      Duration timeout = duration(where + "timeout", s.timeout, null, problems);
      if (s.retry != null && s.retry.backoff != null) {
        duration(where + "retry.backoff.delay", s.retry.backoff.delay, null, problems);
        duration(where + "retry.backoff.maxDelay", s.retry.backoff.maxDelay, null, problems);
      }
      Duration sleep = checkStepType(s, where, templates, problems);
      List<CompiledStep.LoopParamSource> over = s.typeOrDefault() == StepType.FOREACH ? checkForeach(s, where, problems) : null;
      Expression whileCondition = s.typeOrDefault() == StepType.WHILE ? checkWhile(s, where, problems) : null;
      Map<String, Template> subworkflowParams =
          s.typeOrDefault() == StepType.SUBWORKFLOW ? checkSubworkflow(s, where, templates, problems) : null;
      Level body = null;
      if (s.typeOrDefault().isLoop() && s.steps != null && !s.steps.isEmpty()) {
        body = compileList(s.steps, bodyContext(steps, i, deps, ctx), tree, templates, problems);
      }
      parts.add(new Parts(condition, params, timeout, sleep, body, over, whileCondition, subworkflowParams));
    }
    checkReferences(steps, deps, order != null, parts, templates, indexById, ctx, tree, problems);
    return new Level(steps, order, deps, parts);
  }

  /** What the body of loop step {@code i} sees: the loop's upstream steps, and loop (and last). */
  private static Context bodyContext(List<Step> steps, int i, List<List<Integer>> deps, Context ctx) {
    Step loop = steps.get(i);
    Set<String> upstream = new HashSet<>();
    ancestors(i, deps).stream().forEach(j -> upstream.add(steps.get(j).id));
    Set<String> listIds = new HashSet<>();
    steps.forEach(s -> listIds.add(s.id));
    List<Frame> frames = new ArrayList<>(ctx.frames());
    frames.add(new Frame(loop.id, Set.copyOf(listIds), Set.copyOf(upstream)));
    Set<String> loopNames = new TreeSet<>(ctx.loopNames() == null ? Set.of() : ctx.loopNames());
    loopNames.add("index");
    LastScope last = ctx.last();
    if (loop.typeOrDefault() == StepType.FOREACH) {
      // The declared names, even of a foreach with problems: those are reported once, on the
      // foreach, not again on every step inside that reads loop.<name>.
      if (loop.foreach != null && loop.foreach.over != null) {
        for (LoopParam p : loop.foreach.over) if (p != null && p.name != null) loopNames.add(p.name);
      }
    } else {
      last = new LastScope(loop.id, bodyIds(loop));
    }
    return new Context(List.copyOf(frames), Set.copyOf(loopNames), last);
  }

  private static Set<String> bodyIds(Step loop) {
    Set<String> ids = new HashSet<>();
    for (Step s : loop.stepsOrEmpty()) if (s != null && s.id != null) ids.add(s.id);
    return Set.copyOf(ids);
  }

  private static Map<String, Template> compileParams(
      String where, String field, Map<String, String> values, Map<String, Template> templates, List<String> problems) {
    Map<String, Template> params = new LinkedHashMap<>();
    if (values != null) {
      values.forEach(
          (name, value) -> {
            if (!name.matches(ParamSpec.NAME_PATTERN)) {
              problems.add(where + (field.equals("params.") ? "param" : "subworkflow param") + " name " + quote(name) + " must match " + ParamSpec.NAME_PATTERN);
            }
            compileTemplate(where + field + name + ": ", value == null ? "" : value, templates, problems)
                .ifPresent(t -> params.put(name, t));
          });
    }
    return Collections.unmodifiableMap(params);
  }

  /** Indexes each list by topological position, bodies included; they share the templates. */
  private static CompiledWorkflow assemble(
      Level level, WorkflowSpec spec, String hash, Map<String, Template> templates, Duration timeout, List<ParamSpec> params) {
    List<Step> steps = level.steps();
    int[] order = level.order();
    int n = steps.size();
    // Index steps by topological position, so a scan in index order meets dependencies first.
    int[] position = new int[n];
    for (int p = 0; p < n; p++) position[order[p]] = p;
    List<List<Integer>> dependents = new ArrayList<>(n);
    for (int i = 0; i < n; i++) dependents.add(new ArrayList<>());
    for (int i = 0; i < n; i++) for (int j : level.deps().get(i)) dependents.get(j).add(i);
    List<CompiledStep> compiled = new ArrayList<>(n);
    Map<String, Integer> byId = new HashMap<>(n * 2);
    for (int p = 0; p < n; p++) {
      int i = order[p];
      Step s = steps.get(i);
      Parts parts = level.parts().get(i);
      compiled.add(
          new CompiledStep(
              p,
              s.id,
              s,
              level.deps().get(i).stream().mapToInt(j -> position[j]).toArray(),
              dependents.get(i).stream().mapToInt(j -> position[j]).toArray(),
              parts.condition(),
              parts.params(),
              parts.timeout(),
              parts.sleep(),
              parts.body() == null ? null : assemble(parts.body(), null, hash, templates, null, List.of()),
              parts.over(),
              parts.whileCondition(),
              parts.subworkflowParams()));
      byId.put(s.id, p);
    }
    return new CompiledWorkflow(spec, hash, List.copyOf(compiled), Map.copyOf(byId), templates, timeout, params);
  }

  private void checkParams(List<ParamSpec> params, List<String> problems) {
    if (params == null) return;
    Set<String> seen = new java.util.HashSet<>();
    for (ParamSpec p : params) {
      if (p == null || p.name == null || !p.name.matches(ParamSpec.NAME_PATTERN)) {
        problems.add("param " + (p == null || p.name == null ? "with no name" : quote(p.name)) + ": name must match " + ParamSpec.NAME_PATTERN);
        continue;
      }
      if (!seen.add(p.name)) {
        problems.add("param " + quote(p.name) + ": declared twice");
      }
      if (p.defaultValue != null && !ParamResolver.matches(p.typeOrDefault(), p.defaultValue)) {
        problems.add(
            "param " + quote(p.name) + ": default " + p.defaultValue + " is not of type " + p.typeOrDefault().wireName());
      }
    }
  }

  private Duration duration(String where, String text, Duration fallback, List<String> problems) {
    if (text == null) return fallback;
    // The length check keeps a huge string away from the regex, which recurses per part.
    if (text.length() > MAX_DURATION_LENGTH || !Durations.isValid(text)) {
      problems.add(where + ": " + quote(abbreviate(text)) + " is not a duration such as 90s, 30m or 2h");
      return fallback;
    }
    Duration d = Durations.parse(text);
    if (d.compareTo(limits.maxTimeout()) > 0) {
      problems.add(where + ": " + text + " is over the limit of " + Durations.format(limits.maxTimeout()));
    } else if (d.isZero()) {
      problems.add(where + ": must be longer than 0s");
    }
    return d;
  }

  /**
   * Checks that a step has the fields its type needs and none that belong to another type (the
   * CRD's rules say the same, but see only the top level); returns the sleep of a sleep step.
   */
  private Duration checkStepType(Step s, String where, Map<String, Template> templates, List<String> problems) {
    StepType type = s.typeOrDefault();
    if (type != StepType.JOB && s.job != null) problems.add(where + "only a job step may have a job");
    if (type != StepType.FOREACH && s.foreach != null) {
      problems.add(where + "only a foreach step may have foreach");
    }
    if (type != StepType.WHILE && s.whileLoop != null) problems.add(where + "only a while step may have while");
    if (type != StepType.SUBWORKFLOW && s.subworkflow != null) {
      problems.add(where + "only a subworkflow step may have subworkflow");
    }
    if (type.isLoop() && (s.steps == null || s.steps.isEmpty())) {
      problems.add(where + "a " + type.name().toLowerCase() + " step needs steps: those of one iteration");
    } else if (!type.isLoop() && s.steps != null) {
      problems.add(where + "only a foreach or while step may have steps");
    }
    switch (type) {
      case JOB -> {
        if (s.job == null) {
          problems.add(where + "a job step needs a job");
          return null;
        }
        String templateImage = null;
        if (s.job.podTemplate != null && !s.job.podTemplate.isNull()) {
          try {
            PodTemplateSpec pt = Json.fromTree(s.job.podTemplate, PodTemplateSpec.class);
            if (pt != null
                && pt.getSpec() != null
                && pt.getSpec().getContainers() != null
                && !pt.getSpec().getContainers().isEmpty()
                && pt.getSpec().getContainers().getFirst() != null) {
              templateImage = pt.getSpec().getContainers().getFirst().getImage();
            }
          } catch (IllegalArgumentException e) {
            problems.add(where + "job.podTemplate is not a PodTemplateSpec: " + e.getMessage());
          }
        }
        if ((s.job.image == null || s.job.image.isBlank()) && templateImage == null) {
          problems.add(where + "job.image is required (or a container image in job.podTemplate)");
        }
        noNulls(where + "job.command", s.job.command, problems);
        noNulls(where + "job.args", s.job.args, problems);
        noNulls(where + "job.env", s.job.env, problems);
        for (String str : s.job.interpolatedStrings()) {
          compileTemplate(where + "job: ", str, templates, problems);
        }
      }
      case SLEEP -> {
        if (s.sleep == null) {
          problems.add(where + "a sleep step needs sleep, e.g. sleep: 30s");
          return null;
        }
        return duration(where + "sleep", s.sleep, null, problems);
      }
      case NOOP, FOREACH, WHILE, SUBWORKFLOW -> {}
    }
    return null;
  }

  /** The loop params of a foreach step, or null if it has problems (they are reported). */
  private static List<CompiledStep.LoopParamSource> checkForeach(Step s, String where, List<String> problems) {
    ForeachSpec f = s.foreach;
    if (f == null) {
      problems.add(where + "a foreach step needs foreach, e.g. foreach: {over: [{name: day, expr: \"dates(params.from, params.to)\"}]}");
      return null;
    }
    int before = problems.size();
    if (f.concurrency != null && (f.concurrency < 1 || f.concurrency > ForeachSpec.MAX_CONCURRENCY)) {
      problems.add(where + "foreach.concurrency is " + f.concurrency + "; it must be from 1 to " + ForeachSpec.MAX_CONCURRENCY);
    }
    if (f.over == null || f.over.isEmpty()) {
      problems.add(where + "foreach.over needs at least one loop param");
      return null;
    }
    if (f.over.size() > MAX_LOOP_PARAMS) {
      problems.add(where + "foreach.over has " + f.over.size() + " loop params, over the limit of " + MAX_LOOP_PARAMS);
    }
    List<CompiledStep.LoopParamSource> over = new ArrayList<>();
    Set<String> names = new HashSet<>();
    long iterations = 1;
    for (int k = 0; k < f.over.size(); k++) {
      LoopParam p = f.over.get(k);
      String at = where + "foreach.over[" + k + "]";
      if (p == null || p.name == null || !p.name.matches(ParamSpec.NAME_PATTERN)) {
        problems.add(at + ": name " + (p == null || p.name == null ? "is missing" : quote(p.name) + " must match " + ParamSpec.NAME_PATTERN));
        continue;
      }
      at = where + "loop param " + quote(p.name) + ": ";
      if (p.name.equals("index")) {
        problems.add(at + "the name 'index' is taken by loop.index");
      } else if (!names.add(p.name)) {
        problems.add(at + "declared twice");
      }
      boolean hasValues = p.values != null && !p.values.isNull();
      if ((p.expr != null) == hasValues) {
        problems.add(at + "needs exactly one of expr (a CEL expression giving a list) and values (a JSON array)");
      } else if (p.expr != null) {
        try {
          over.add(new CompiledStep.LoopParamSource(p.name, Expressions.list(p.expr), null));
        } catch (ExpressionException e) {
          problems.add(at + "expr " + e.getMessage());
        }
      } else if (!p.values.isArray()) {
        problems.add(at + "values must be a JSON array, not " + p.values.getNodeType().name().toLowerCase());
      } else {
        iterations = Math.min(Long.MAX_VALUE / 2, iterations * Math.max(1, p.values.size()));
        @SuppressWarnings("unchecked")
        List<Object> values = (List<Object>) Values.fromJson(p.values);
        over.add(new CompiledStep.LoopParamSource(p.name, null, List.copyOf(values)));
      }
    }
    if (iterations > ForeachSpec.MAX_ITERATIONS) {
      problems.add(where + "foreach.over has " + iterations + " combinations of values, over the limit of " + ForeachSpec.MAX_ITERATIONS + " iterations");
    }
    return problems.size() == before ? List.copyOf(over) : null;
  }

  private static Expression checkWhile(Step s, String where, List<String> problems) {
    WhileSpec w = s.whileLoop;
    if (w == null) {
      problems.add(where + "a while step needs while, e.g. while: {condition: \"loop.index == 0 || last.poll.outputs.more\"}");
      return null;
    }
    if (w.maxIterations != null && (w.maxIterations < 1 || w.maxIterations > WhileSpec.MAX_ITERATIONS)) {
      problems.add(where + "while.maxIterations is " + w.maxIterations + "; it must be from 1 to " + WhileSpec.MAX_ITERATIONS);
    }
    if (w.condition == null || w.condition.isBlank()) {
      problems.add(where + "while.condition is required");
      return null;
    }
    try {
      return Expressions.condition(w.condition);
    } catch (ExpressionException e) {
      problems.add(where + "while.condition " + e.getMessage());
      return null;
    }
  }

  private static Map<String, Template> checkSubworkflow(
      Step s, String where, Map<String, Template> templates, List<String> problems) {
    SubworkflowSpec sw = s.subworkflow;
    if (sw == null) {
      problems.add(where + "a subworkflow step needs subworkflow, e.g. subworkflow: {workflow: nightly-load}");
      return null;
    }
    if (sw.workflow == null || sw.workflow.isBlank()) {
      problems.add(where + "subworkflow.workflow is required: the name of a Workflow");
    } else if (sw.workflow.length() > MAX_NAME_LENGTH || !sw.workflow.matches(DNS_SUBDOMAIN)) {
      problems.add(
          where + "subworkflow.workflow " + quote(abbreviate(sw.workflow))
              + " is not a Workflow name: lower case letters, digits, '-' and '.', at most "
              + MAX_NAME_LENGTH);
    }
    return compileParams(where, "subworkflow.params.", sw.params, templates, problems);
  }

  /** The engine renders every entry of these lists; a null one has nothing to render. */
  private static void noNulls(String where, List<?> list, List<String> problems) {
    if (list == null) return;
    for (int k = 0; k < list.size(); k++) {
      if (list.get(k) == null) problems.add(where + "[" + k + "] is null");
    }
  }

  private static java.util.Optional<Template> compileTemplate(
      String where, String source, Map<String, Template> templates, List<String> problems) {
    if (source == null || !Template.hasHoles(source)) {
      return java.util.Optional.ofNullable(source == null ? null : Template.parse(source));
    }
    Template t = templates.get(source);
    if (t != null) return java.util.Optional.of(t);
    try {
      t = Template.parse(source);
      templates.put(source, t);
      return java.util.Optional.of(t);
    } catch (ExpressionException e) {
      problems.add(where + e.getMessage());
      return java.util.Optional.empty();
    }
  }

  /** Kahn's algorithm; on a cycle, reports one cycle's path and returns null. */
  private static int[] topologicalOrder(List<Step> steps, List<List<Integer>> deps, List<String> problems) {
    int n = steps.size();
    int[] indegree = new int[n];
    List<List<Integer>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      indegree[i] = deps.get(i).size();
      for (int j : deps.get(i)) out.get(j).add(i);
    }
    int[] order = new int[n];
    int count = 0;
    Deque<Integer> ready = new ArrayDeque<>();
    for (int i = 0; i < n; i++) if (indegree[i] == 0) ready.add(i);
    while (!ready.isEmpty()) {
      int i = ready.poll();
      order[count++] = i;
      for (int k : out.get(i)) if (--indegree[k] == 0) ready.add(k);
    }
    if (count == n) return order;
    // Walk dependencies from any step left over; within the leftovers one must come round.
    int start = -1;
    for (int i = 0; i < n && start < 0; i++) if (indegree[i] > 0) start = i;
    List<Integer> path = new ArrayList<>();
    Map<Integer, Integer> seenAt = new HashMap<>();
    int cur = start;
    while (!seenAt.containsKey(cur)) {
      seenAt.put(cur, path.size());
      path.add(cur);
      int next = -1;
      for (int j : deps.get(cur)) if (indegree[j] > 0) { next = j; break; }
      cur = next;
    }
    List<String> cycle = new ArrayList<>();
    List<Integer> loop = path.subList(seenAt.get(cur), path.size());
    for (int k = loop.size() - 1; k >= 0; k--) cycle.add(steps.get(loop.get(k)).id);
    cycle.add(cycle.getFirst());
    problems.add("step " + quote(cycle.getFirst()) + ": dependsOn forms a cycle: " + String.join(" -> ", cycle));
    return null;
  }

  /**
   * Expressions may read only steps that are certain to have ended: the step's ancestors, and
   * inside a loop the ancestors of each enclosing loop step. loop.x must be index or a param of an
   * enclosing foreach; last.x a step of the while loop's body, in its condition or inside it.
   */
  private static void checkReferences(
      List<Step> steps,
      List<List<Integer>> deps,
      boolean acyclic,
      List<Parts> parts,
      Map<String, Template> templates,
      Map<String, Integer> indexById,
      Context ctx,
      Tree tree,
      List<String> problems) {
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      Parts p = parts.get(i);
      // The step's own expressions, all in one scope: the list's.
      List<String> sources = new ArrayList<>();
      if (p.condition() != null) sources.add(p.condition().source());
      List<Template> own = new ArrayList<>(p.params().values());
      if (p.subworkflowParams() != null) own.addAll(p.subworkflowParams().values());
      if (s.job != null) {
        for (String str : s.job.interpolatedStrings()) {
          Template t = templates.get(str);
          if (t != null) own.add(t);
        }
      }
      if (p.over() != null) {
        for (var o : p.over()) if (o.expr() != null) sources.add(o.expr().source());
      }
      Set<String> stepRefs = new TreeSet<>();
      Set<String> loopRefs = new TreeSet<>();
      Set<String> lastRefs = new TreeSet<>();
      for (String src : sources) {
        stepRefs.addAll(Template.referenced("steps", src));
        loopRefs.addAll(Template.referenced("loop", src));
        lastRefs.addAll(Template.referenced("last", src));
      }
      for (Template t : own) {
        stepRefs.addAll(t.referenced("steps"));
        loopRefs.addAll(t.referenced("loop"));
        lastRefs.addAll(t.referenced("last"));
      }
      String where = "step " + quote(s.id) + ": ";
      checkLoopRefs(where, loopRefs, ctx.loopNames(), problems);
      checkLastRefs(where, lastRefs, ctx.last(), problems);
      if (p.whileCondition() != null) {
        // The condition runs before each iteration: loop.index is that iteration's, last the one before.
        String src = p.whileCondition().source();
        stepRefs.addAll(Template.referenced("steps", src));
        Set<String> names = new TreeSet<>(ctx.loopNames() == null ? Set.of() : ctx.loopNames());
        names.add("index");
        checkLoopRefs(where + "while.condition ", Template.referenced("loop", src), names, problems);
        checkLastRefs(where + "while.condition ", Template.referenced("last", src), new LastScope(s.id, bodyIds(s)), problems);
      }
      if (stepRefs.isEmpty() || !acyclic) continue;
      BitSet ancestors = ancestors(i, deps);
      for (String ref : stepRefs) {
        String problem = stepRefProblem(ref, s.id, ancestors, indexById, ctx, tree);
        if (problem != null) problems.add(where + "refers to steps." + ref + ", which " + problem);
      }
    }
  }

  /** Why step {@code self} cannot read steps.{@code ref}, or null if it can. */
  private static String stepRefProblem(
      String ref, String self, BitSet ancestors, Map<String, Integer> indexById, Context ctx, Tree tree) {
    Integer j = indexById.get(ref);
    if (j != null) {
      return ancestors.get(j) ? null : "is not upstream of it; add it to dependsOn";
    }
    for (int k = ctx.frames().size() - 1; k >= 0; k--) {
      Frame f = ctx.frames().get(k);
      if (f.loopId().equals(ref)) {
        return "is the loop it runs in; inside a loop, read loop.<name> instead";
      }
      if (f.listIds().contains(ref)) {
        return f.upstream().contains(ref)
            ? null
            : "is not upstream of loop step " + quote(f.loopId()) + "; add it to that step's dependsOn";
      }
    }
    String owner = tree.parent.get(ref);
    if (owner != null) {
      return "runs inside loop step " + quote(owner) + ", out of reach of "
          + (owner.equals(self) ? "the loop step itself" : "steps outside that loop")
          + "; only steps in the same iteration can read it";
    }
    return "is not a step" + suggestion(ref, tree.location.keySet());
  }

  private static void checkLoopRefs(String where, Set<String> refs, Set<String> names, List<String> problems) {
    for (String ref : refs) {
      if (names == null) {
        problems.add(where + "refers to loop." + ref + ", which is only defined inside a foreach or while step");
      } else if (!names.contains(ref)) {
        problems.add(
            where + "refers to loop." + ref + ", which is not loop.index or a loop param of an enclosing"
                + " foreach" + suggestion(ref, names));
      }
    }
  }

  private static void checkLastRefs(String where, Set<String> refs, LastScope last, List<String> problems) {
    for (String ref : refs) {
      if (last == null) {
        problems.add(
            where + "refers to last." + ref + ", which is only defined in a while step's condition and"
                + " inside its steps");
      } else if (!last.ids().contains(ref)) {
        problems.add(
            where + "refers to last." + ref + ", which is not a step of while step "
                + quote(last.whileId()) + suggestion(ref, last.ids()));
      }
    }
  }

  private static BitSet ancestors(int i, List<List<Integer>> deps) {
    BitSet seen = new BitSet();
    Deque<Integer> todo = new ArrayDeque<>(deps.get(i));
    while (!todo.isEmpty()) {
      int j = todo.pop();
      if (!seen.get(j)) {
        seen.set(j);
        todo.addAll(deps.get(j));
      }
    }
    return seen;
  }

  private static String suggestion(String name, Set<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = editDistance(name, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best == null ? "" : " (did you mean " + quote(best) + "?)";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static String abbreviate(String s) {
    return s.length() <= MAX_DURATION_LENGTH ? s : s.substring(0, MAX_DURATION_LENGTH) + "...";
  }

  static String quote(String s) {
    return "\"" + s + "\"";
  }
}
