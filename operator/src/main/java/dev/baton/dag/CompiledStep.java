package dev.baton.dag;

import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.expr.Expression;
import dev.baton.expr.Template;
import java.time.Duration;
import java.util.Map;

/**
 * One step, ready to run: its edges as indices into {@link CompiledWorkflow#steps()}, its condition
 * and templates compiled. Immutable; shared by every instance of the same definition.
 *
 * @param timeout per attempt, or null for none
 * @param sleep for sleep steps, else null
 * @param params the step's own params, compiled, in declaration order
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
    Duration sleep) {

  public StepType type() {
    return definition.typeOrDefault();
  }
}
