package dev.baton.dag;

import dev.baton.api.ParamSpec;
import dev.baton.api.WorkflowSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated definition. Immutable and shared: every instance of one definition hash uses the
 * same object, so per-instance state holds only what differs between runs.
 *
 * @param steps in topological order; a step's index is its position here
 * @param templates compiled ${...} strings of job steps (command, args, env values), by source
 */
public record CompiledWorkflow(
    WorkflowSpec spec,
    String hash,
    List<CompiledStep> steps,
    Map<String, Integer> indexById,
    Map<String, dev.baton.expr.Template> templates,
    Duration timeout,
    List<ParamSpec> params) {

  public CompiledStep step(String id) {
    Integer i = indexById.get(id);
    return i == null ? null : steps.get(i);
  }

  public int size() {
    return steps.size();
  }
}
