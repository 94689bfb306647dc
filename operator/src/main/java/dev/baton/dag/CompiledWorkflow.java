package dev.baton.dag;

import dev.baton.api.ParamSpec;
import dev.baton.api.WorkflowSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated definition. Immutable and shared: every instance of one definition hash uses the same
 * object, so per-instance state holds only what differs between runs.
 *
 * <p>The body of a foreach or while step (see {@link CompiledStep#body()}) is a CompiledWorkflow
 * too, so the engine runs an iteration with the code that runs the top level. A body has no spec of
 * its own ({@code spec} is null: its steps' definitions are in the steps), the top-level hash (it
 * is part of that definition, and caches key on the hash), no timeout (the workflow's covers it)
 * and no params (it reads the run's, with its loop's values in the {@code loop} variable).
 *
 * @param spec the definition; null for a loop's body
 * @param steps in topological order; a step's index is its position here
 * @param templates compiled ${...} strings of job steps (command, args, env values), by source: one
 *     map for the whole definition, bodies included, shared by every body
 * @param timeout the workflow's; null for a loop's body
 * @param params the workflow's declared params; empty for a loop's body
 * @param read the ids of the steps whose steps.<id> entry some expression of the definition reads,
 *     at any level: one set for the whole definition, shared by every body. The status keeps the
 *     outputs of these steps (and of the top-level steps, which a parent run reads).
 */
public record CompiledWorkflow(
    WorkflowSpec spec,
    String hash,
    List<CompiledStep> steps,
    Map<String, Integer> indexById,
    Map<String, dev.baton.expr.Template> templates,
    Duration timeout,
    List<ParamSpec> params,
    java.util.Set<String> read) {

  public CompiledStep step(String id) {
    Integer i = indexById.get(id);
    return i == null ? null : steps.get(i);
  }

  public int size() {
    return steps.size();
  }
}
