package dev.baton.flow;

import dev.baton.api.Step;
import dev.baton.dag.CompiledStep;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Scope;
import dev.baton.expr.Template;
import dev.baton.expr.Values;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a step's templates into what its attempt launches: its params, a Job's command, args and
 * env, a child's params. Reads frames, changes none but for a cache; every method may throw {@link
 * ExpressionException}, which the caller makes a fatal failure.
 */
final class StepRenderer {
  /** A job step's rendered container: what {@link Command.CreateJob} carries. */
  record RenderedJob(List<String> command, List<String> args, List<EnvVar> env) {}

  private final Map<String, Object> params;
  private final Map<String, Template> templates;

  /**
   * @param params the run's params, as expressions see them
   * @param templates the definition's compiled ${...} strings, by source
   */
  StepRenderer(Map<String, Object> params, Map<String, Template> templates) {
    this.params = params;
    this.templates = templates;
  }

  /** What expressions see in a frame before any step params: params, steps, loop and last. */
  Scope frameScope(Frame f) {
    return new Scope(params, f.visibleSteps(), f.loopScope, f.lastScope);
  }

  /** As {@link #frameScope}, with other loop and last values: a while loop's next iteration. */
  Scope scope(Frame f, Map<String, Object> loopScope, Map<String, Object> lastScope) {
    return new Scope(params, f.visibleSteps(), loopScope, lastScope);
  }

  /** What a step's own expressions see: params.x is the step's param over the run's. */
  Scope stepScope(Frame f, Map<String, String> stepParams) {
    Map<String, Object> visible = params;
    if (!stepParams.isEmpty()) {
      visible = new HashMap<>(params);
      visible.putAll(stepParams);
    }
    return new Scope(visible, f.visibleSteps(), f.loopScope, f.lastScope);
  }

  /** The step's params, in the order declared; a param without a template renders empty. */
  Map<String, String> stepParams(Frame f, CompiledStep s) {
    if (s.params().isEmpty()) return Map.of();
    Map<String, String> rendered = new LinkedHashMap<>();
    Scope scope = frameScope(f);
    for (String name : s.definition().params.keySet()) {
      Template t = s.params().get(name);
      rendered.put(name, t == null ? "" : t.render(scope));
    }
    return rendered;
  }

  /** A job step's container, rendered with its params; inside a loop, with BATON_LOOP_* env. */
  RenderedJob job(Frame f, CompiledStep s, Map<String, String> stepParams) {
    Step d = s.definition();
    Scope scope = stepScope(f, stepParams);
    return new RenderedJob(
        render(d.job.command, scope),
        render(d.job.args, scope),
        withLoopEnv(f, renderEnv(d.job.env, scope)));
  }

  /** A subworkflow step's child params, by the child workflow's param name. */
  Map<String, String> childParams(Frame f, CompiledStep s, Map<String, String> stepParams) {
    Map<String, String> childParams = new LinkedHashMap<>();
    if (s.subworkflowParams() == null) return childParams;
    Scope scope = stepScope(f, stepParams);
    for (Map.Entry<String, Template> e : s.subworkflowParams().entrySet()) {
      childParams.put(e.getKey(), e.getValue() == null ? "" : e.getValue().render(scope));
    }
    return childParams;
  }

  private List<String> render(List<String> strings, Scope scope) {
    if (strings == null) return null;
    List<String> result = new ArrayList<>(strings.size());
    for (String str : strings) result.add(renderOne(str, scope));
    return result;
  }

  private String renderOne(String str, Scope scope) {
    Template t = templates.get(str);
    return t == null ? str : t.render(scope);
  }

  private List<EnvVar> renderEnv(List<EnvVar> env, Scope scope) {
    if (env == null) return null;
    List<EnvVar> result = new ArrayList<>(env.size());
    for (EnvVar e : env) {
      if (e.getValue() != null && templates.containsKey(e.getValue())) {
        result.add(new EnvVarBuilder(e).withValue(renderOne(e.getValue(), scope)).build());
      } else {
        result.add(e);
      }
    }
    return result;
  }

  /**
   * Inside a loop, a Job also gets BATON_LOOP_INDEX (the innermost loop's) and BATON_LOOP_NAME for
   * each scalar loop value, after the step's own env. Made once per iteration.
   */
  private static List<EnvVar> withLoopEnv(Frame f, List<EnvVar> env) {
    if (f.owner == null) return env;
    if (f.loopEnv == null) {
      List<EnvVar> loopEnv = new ArrayList<>();
      loopEnv.add(new EnvVar("BATON_LOOP_INDEX", Long.toString(f.index), null));
      for (Map.Entry<String, Object> e : new TreeMap<>(f.loopScope).entrySet()) {
        Object v = e.getValue();
        if (e.getKey().equals("index")
            || !(v instanceof String
                || v instanceof Long
                || v instanceof Double
                || v instanceof Boolean)) continue;
        String name =
            "BATON_LOOP_" + e.getKey().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
        loopEnv.add(new EnvVar(name, Values.render(v), null));
      }
      f.loopEnv = List.copyOf(loopEnv);
    }
    if (env == null || env.isEmpty()) return f.loopEnv;
    List<EnvVar> result = new ArrayList<>(env);
    result.addAll(f.loopEnv);
    return result;
  }
}
