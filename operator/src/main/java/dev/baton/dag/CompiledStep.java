package dev.baton.dag;

import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.expr.Expression;
import dev.baton.expr.Template;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One step, ready to run: its edges as indices into {@link CompiledWorkflow#steps()}, its condition
 * and templates compiled. Immutable; shared by every instance of the same definition.
 *
 * @param timeout per attempt, or null for none
 * @param sleep for sleep steps, else null
 * @param params the step's own params, compiled, in declaration order
 * @param body for foreach and while steps, the inner steps (an iteration's DAG), else null. A
 *     body's templates are in the top-level {@link CompiledWorkflow#templates()}.
 * @param over for foreach steps, the loop params in declaration order, else null
 * @param whileCondition for while steps, else null
 * @param subworkflowParams for subworkflow steps, its params compiled, in declaration order, else
 *     null
 * @param signals what a signal step waits for, and the signals the step emits on success
 */
public record CompiledStep(
    int index,
    String id,
    Step definition,
    int[] dependencies,
    int[] dependents,
    Expression condition,
    Map<String, Template> params,
    Duration timeout,
    Duration sleep,
    CompiledWorkflow body,
    List<LoopParamSource> over,
    Expression whileCondition,
    Map<String, Template> subworkflowParams,
    CompiledSignals signals) {

  /**
   * Where a foreach loop param takes its items: {@code expr} evaluated when the loop starts, or
   * {@code values} as written (CEL's Java forms, see {@link dev.baton.expr.Values}). Exactly one is
   * set.
   */
  public record LoopParamSource(String name, Expression expr, List<Object> values) {}

  public StepType type() {
    return definition.typeOrDefault();
  }
}
