package dev.baton.dag;

import dev.baton.api.Durations;
import dev.baton.api.Json;
import dev.baton.api.ParamSpec;
import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.api.WorkflowSpec;
import dev.baton.expr.Expression;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Expressions;
import dev.baton.expr.Template;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a definition and compiles it. Collects every problem it can find rather than stopping
 * at the first, so a user fixes a definition in one round.
 */
public final class WorkflowCompiler {
  /** Far longer than any real duration ("1d2h3m4s5ms" is 11). */
  private static final int MAX_DURATION_LENGTH = 64;

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
    if (spec.steps.size() > limits.maxSteps()) {
      problems.add(
          "spec.steps: " + spec.steps.size() + " steps, over the limit of " + limits.maxSteps());
    }
    checkParams(spec.params, problems);
    Duration timeout = duration("spec.timeout", spec.timeout, Limits.DEFAULT_WORKFLOW_TIMEOUT, problems);

    // Ids first: every later check refers to steps by id.
    Map<String, Integer> indexById = new LinkedHashMap<>();
    List<Step> steps = spec.steps;
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      if (s == null || s.id == null || !s.id.matches(Step.ID_PATTERN)) {
        problems.add(
            "spec.steps[" + i + "]: id " + (s == null || s.id == null ? "is missing" : quote(s.id)
                + " must match " + Step.ID_PATTERN));
        continue;
      }
      Integer earlier = indexById.putIfAbsent(s.id, i);
      if (earlier != null) {
        problems.add("step " + quote(s.id) + ": duplicate id (spec.steps[" + earlier + "] and spec.steps[" + i + "])");
      }
    }
    if (indexById.size() != steps.size()) {
      throw new InvalidDefinitionException(problems);
    }

    int n = steps.size();
    List<List<Integer>> deps = new ArrayList<>(n);
    for (Step s : steps) {
      List<Integer> d = new ArrayList<>();
      for (String dep : s.dependsOnOrEmpty()) {
        Integer j = dep == null ? null : indexById.get(dep);
        if (dep == null) {
          problems.add("step " + quote(s.id) + ": dependsOn has an empty entry");
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

    Map<String, Template> templates = new HashMap<>();
    List<Expression> conditions = new ArrayList<>(n);
    List<Map<String, Template>> stepParams = new ArrayList<>(n);
    List<Duration> timeouts = new ArrayList<>(n);
    List<Duration> sleeps = new ArrayList<>(n);
    for (Step s : steps) {
      String where = "step " + quote(s.id) + ": ";
      Expression condition = null;
      if (s.condition != null) {
        try {
          condition = Expressions.condition(s.condition);
        } catch (ExpressionException e) {
          problems.add(where + "if " + e.getMessage());
        }
      }
      conditions.add(condition);
      Map<String, Template> params = new LinkedHashMap<>();
      if (s.params != null) {
        s.params.forEach(
            (name, value) -> {
              if (!name.matches(ParamSpec.NAME_PATTERN)) {
                problems.add(where + "param name " + quote(name) + " must match " + ParamSpec.NAME_PATTERN);
              }
              compileTemplate(where + "params." + name + ": ", value == null ? "" : value, templates, problems)
                  .ifPresent(t -> params.put(name, t));
            });
      }
      stepParams.add(params);
      timeouts.add(duration(where + "timeout", s.timeout, null, problems));
      if (s.retry != null && s.retry.backoff != null) {
        duration(where + "retry.backoff.delay", s.retry.backoff.delay, null, problems);
        duration(where + "retry.backoff.maxDelay", s.retry.backoff.maxDelay, null, problems);
      }
      sleeps.add(checkStepType(s, where, templates, problems));
    }
    if (order != null) {
      checkReferences(steps, deps, conditions, stepParams, templates, indexById, problems);
    }
    if (!problems.isEmpty()) {
      throw new InvalidDefinitionException(problems);
    }

    // Index steps by topological position, so a scan in index order meets dependencies first.
    int[] position = new int[n];
    for (int p = 0; p < n; p++) position[order[p]] = p;
    List<List<Integer>> dependents = new ArrayList<>(n);
    for (int i = 0; i < n; i++) dependents.add(new ArrayList<>());
    for (int i = 0; i < n; i++) for (int j : deps.get(i)) dependents.get(j).add(i);
    List<CompiledStep> compiled = new ArrayList<>(n);
    Map<String, Integer> byId = new HashMap<>(n * 2);
    for (int p = 0; p < n; p++) {
      int i = order[p];
      Step s = steps.get(i);
      compiled.add(
          new CompiledStep(
              p,
              s.id,
              s,
              deps.get(i).stream().mapToInt(j -> position[j]).toArray(),
              dependents.get(i).stream().mapToInt(j -> position[j]).toArray(),
              conditions.get(i),
              Map.copyOf(stepParams.get(i)),
              timeouts.get(i),
              sleeps.get(i),
              null,
              null,
              null,
              null));
      byId.put(s.id, p);
    }
    return new CompiledWorkflow(
        spec,
        Json.hash(spec),
        List.copyOf(compiled),
        Map.copyOf(byId),
        Map.copyOf(templates),
        timeout,
        spec.params == null ? List.of() : List.copyOf(spec.params));
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

  /** Checks the fields a step's type needs; returns the sleep duration of a sleep step. */
  private Duration checkStepType(Step s, String where, Map<String, Template> templates, List<String> problems) {
    StepType type = s.typeOrDefault();
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
        if (s.job != null) problems.add(where + "only a job step may have a job");
        if (s.sleep == null) {
          problems.add(where + "a sleep step needs sleep, e.g. sleep: 30s");
          return null;
        }
        return duration(where + "sleep", s.sleep, null, problems);
      }
      case NOOP -> {
        if (s.job != null) problems.add(where + "only a job step may have a job");
      }
    }
    return null;
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

  /** Expressions may read only steps that are certain to have ended: the step's ancestors. */
  private static void checkReferences(
      List<Step> steps,
      List<List<Integer>> deps,
      List<Expression> conditions,
      List<Map<String, Template>> stepParams,
      Map<String, Template> templates,
      Map<String, Integer> indexById,
      List<String> problems) {
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      Set<String> refs = new java.util.TreeSet<>();
      if (conditions.get(i) != null) refs.addAll(Template.referencedSteps(conditions.get(i).source()));
      stepParams.get(i).values().forEach(t -> refs.addAll(t.referencedSteps()));
      if (s.job != null) {
        for (String str : s.job.interpolatedStrings()) {
          Template t = templates.get(str);
          if (t != null) refs.addAll(t.referencedSteps());
        }
      }
      if (refs.isEmpty()) continue;
      BitSet ancestors = ancestors(i, deps);
      for (String ref : refs) {
        Integer j = indexById.get(ref);
        if (j == null) {
          problems.add("step " + quote(s.id) + ": refers to steps." + ref + ", which is not a step" + suggestion(ref, indexById.keySet()));
        } else if (!ancestors.get(j)) {
          problems.add(
              "step " + quote(s.id) + ": refers to steps." + ref + ", which is not upstream of it; add it to dependsOn");
        }
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
