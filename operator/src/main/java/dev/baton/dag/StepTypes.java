package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import dev.baton.api.ForeachSpec;
import dev.baton.api.Json;
import dev.baton.api.LoopParam;
import dev.baton.api.ParamSpec;
import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.api.SubworkflowSpec;
import dev.baton.api.WhileSpec;
import dev.baton.expr.Expression;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Expressions;
import dev.baton.expr.Template;
import dev.baton.expr.Values;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks that a step has the fields its type needs, well formed, and none that belong to another
 * type, and compiles those of foreach, while and subworkflow steps. The CRD's rules say much the
 * same, but see only the top level.
 */
final class StepTypes {
  /** As the CRD says of foreach.over. */
  private static final int MAX_LOOP_PARAMS = 8;

  /** A Kubernetes object name (DNS-1123 subdomain). */
  private static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

  private static final int MAX_NAME_LENGTH = 253;

  private final Fields fields;

  StepTypes(Fields fields) {
    this.fields = fields;
  }

  /**
   * Checks the fields that belong to a type, and those of job and sleep steps; returns the sleep of
   * a sleep step.
   */
  Duration check(Step s, Problems.Reporter step) {
    StepType type = s.typeOrDefault();
    if (type != StepType.JOB && s.job != null) step.add("only a job step may have a job");
    if (type != StepType.FOREACH && s.foreach != null) {
      step.add("only a foreach step may have foreach");
    }
    if (type != StepType.WHILE && s.whileLoop != null) step.add("only a while step may have while");
    if (type != StepType.SUBWORKFLOW && s.subworkflow != null) {
      step.add("only a subworkflow step may have subworkflow");
    }
    // The inner steps themselves are read, and their problems reported, in the survey
    // (NestedSteps).
    if (type.isLoop() && (s.steps == null || s.steps.isEmpty())) {
      step.add("a " + type.name().toLowerCase() + " step needs steps: those of one iteration");
    } else if (!type.isLoop() && s.steps != null) {
      step.add("only a foreach or while step may have steps");
    }
    switch (type) {
      case JOB -> checkJob(s, step);
      case SLEEP -> {
        if (s.sleep == null) {
          step.add("a sleep step needs sleep, e.g. sleep: 30s");
          return null;
        }
        return fields.duration(step.field("sleep"), s.sleep, null);
      }
      case NOOP, FOREACH, WHILE, SUBWORKFLOW, SIGNAL -> {}
    }
    return null;
  }

  private void checkJob(Step s, Problems.Reporter step) {
    if (s.job == null) {
      step.add("a job step needs a job");
      return;
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
        step.add("job.podTemplate is not a PodTemplateSpec: " + e.getMessage());
      }
    }
    if ((s.job.image == null || s.job.image.isBlank()) && templateImage == null) {
      step.add("job.image is required (or a container image in job.podTemplate)");
    }
    noNulls(step, "job.command", s.job.command);
    noNulls(step, "job.args", s.job.args);
    noNulls(step, "job.env", s.job.env);
    for (String str : s.job.interpolatedStrings()) {
      fields.template(step.field("job"), str);
    }
  }

  /** The engine renders every entry of these lists; a null one has nothing to render. */
  private static void noNulls(Problems.Reporter step, String field, List<?> list) {
    if (list == null) return;
    for (int k = 0; k < list.size(); k++) {
      if (list.get(k) == null) step.add(field + "[" + k + "] is null");
    }
  }

  /** The loop params of a foreach step, or null if it has problems (they are reported). */
  List<CompiledStep.LoopParamSource> foreach(Step s, Problems.Reporter step) {
    ForeachSpec f = s.foreach;
    if (f == null) {
      step.add(
          "a foreach step needs foreach, e.g. foreach: {over: [{name: day, expr: \"dates(params.from, params.to)\"}]}");
      return null;
    }
    int before = step.problems().count();
    if (f.concurrency != null
        && (f.concurrency < 1 || f.concurrency > ForeachSpec.MAX_CONCURRENCY)) {
      step.add(
          "foreach.concurrency is "
              + f.concurrency
              + "; it must be from 1 to "
              + ForeachSpec.MAX_CONCURRENCY);
    }
    if (f.over == null || f.over.isEmpty()) {
      step.add("foreach.over needs at least one loop param");
      return null;
    }
    if (f.over.size() > MAX_LOOP_PARAMS) {
      step.add(
          "foreach.over has "
              + f.over.size()
              + " loop params, over the limit of "
              + MAX_LOOP_PARAMS);
    }
    List<CompiledStep.LoopParamSource> over = new ArrayList<>();
    Set<String> names = new HashSet<>();
    long iterations = 1;
    for (int k = 0; k < f.over.size(); k++) {
      LoopParam p = f.over.get(k);
      if (p == null || p.name == null || !p.name.matches(ParamSpec.NAME_PATTERN)) {
        step.field("foreach.over[" + k + "]")
            .add(
                "name "
                    + (p == null || p.name == null
                        ? "is missing"
                        : quote(p.name) + " must match " + ParamSpec.NAME_PATTERN));
        continue;
      }
      Problems.Reporter at = step.field("loop param " + quote(p.name));
      if (p.name.equals("index")) {
        at.add("the name 'index' is taken by loop.index");
      } else if (!names.add(p.name)) {
        at.add("declared twice");
      }
      boolean hasValues = p.values != null && !p.values.isNull();
      if ((p.expr != null) == hasValues) {
        at.add(
            "needs exactly one of expr (a CEL expression giving a list) and values (a JSON array)");
      } else if (p.expr != null) {
        try {
          over.add(new CompiledStep.LoopParamSource(p.name, Expressions.list(p.expr), null));
        } catch (ExpressionException e) {
          at.add("expr " + e.getMessage());
        }
      } else if (!p.values.isArray()) {
        at.add("values must be a JSON array, not " + p.values.getNodeType().name().toLowerCase());
      } else {
        iterations = Math.min(Long.MAX_VALUE / 2, iterations * Math.max(1, p.values.size()));
        @SuppressWarnings("unchecked")
        List<Object> values = (List<Object>) Values.fromJson(p.values);
        over.add(new CompiledStep.LoopParamSource(p.name, null, List.copyOf(values)));
      }
    }
    if (iterations > ForeachSpec.MAX_ITERATIONS) {
      step.add(
          "foreach.over has "
              + iterations
              + " combinations of values, over the limit of "
              + ForeachSpec.MAX_ITERATIONS
              + " iterations");
    }
    return step.problems().count() == before ? List.copyOf(over) : null;
  }

  /** The condition of a while step, or null if it has none that compiles. */
  Expression whileCondition(Step s, Problems.Reporter step) {
    WhileSpec w = s.whileLoop;
    if (w == null) {
      step.add(
          "a while step needs while, e.g. while: {condition: \"loop.index == 0 || last.poll.outputs.more\"}");
      return null;
    }
    if (w.maxIterations != null
        && (w.maxIterations < 1 || w.maxIterations > WhileSpec.MAX_ITERATIONS)) {
      step.add(
          "while.maxIterations is "
              + w.maxIterations
              + "; it must be from 1 to "
              + WhileSpec.MAX_ITERATIONS);
    }
    if (w.condition == null || w.condition.isBlank()) {
      step.add("while.condition is required");
      return null;
    }
    try {
      return Expressions.condition(w.condition);
    } catch (ExpressionException e) {
      step.add("while.condition " + e.getMessage());
      return null;
    }
  }

  /** The params of a subworkflow step, compiled; null when it has no subworkflow. */
  Map<String, Template> subworkflow(Step s, Problems.Reporter step) {
    SubworkflowSpec sw = s.subworkflow;
    if (sw == null) {
      step.add("a subworkflow step needs subworkflow, e.g. subworkflow: {workflow: nightly-load}");
      return null;
    }
    if (sw.workflow == null || sw.workflow.isBlank()) {
      step.add("subworkflow.workflow is required: the name of a Workflow");
    } else if (sw.workflow.length() > MAX_NAME_LENGTH || !sw.workflow.matches(DNS_SUBDOMAIN)) {
      step.add(
          "subworkflow.workflow "
              + Fields.quoteShort(sw.workflow)
              + " is not a Workflow name: lower case letters, digits, '-' and '.', at most "
              + MAX_NAME_LENGTH);
    }
    return fields.params(step, "subworkflow.params", sw.params);
  }
}
