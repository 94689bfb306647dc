package dev.baton.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.ParamSpec;
import dev.baton.api.SubworkflowSpec;
import dev.baton.api.WorkflowInstance;
import dev.baton.dag.InvalidDefinitionException;
import dev.baton.dag.ParamResolver;
import dev.baton.runtime.Children;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What is different about starting a run that a subworkflow step created: it may be too deep, and
 * its params arrive as strings.
 */
final class ChildRuns {
  /** A hand-made call chain could be any length; the message shows its start, which is enough. */
  private static final int MAX_CHAIN_SHOWN = 12;

  private ChildRuns() {}

  /**
   * Why the run may not start, being too deep in a chain of subworkflows; empty when it may. This
   * is what stops a workflow that calls itself when validation could not see it (the cycle was
   * closed after the run began, or runs through a Workflow edited meanwhile).
   */
  static Optional<String> tooDeep(WorkflowInstance instance) {
    int depth = Children.depth(instance);
    if (depth <= SubworkflowSpec.MAX_DEPTH) return Optional.empty();
    List<String> chain = Children.callChain(instance);
    String shown = String.join(" -> ", chain.subList(0, Math.min(chain.size(), MAX_CHAIN_SHOWN)));
    if (chain.size() > MAX_CHAIN_SHOWN) shown += " -> ...";
    return Optional.of(
        "subworkflow depth "
            + depth
            + " is over the limit of "
            + SubworkflowSpec.MAX_DEPTH
            + ": "
            + shown);
  }

  /** The params the run supplies, each converted to its declared type when a parent passed them. */
  static Map<String, JsonNode> suppliedParams(List<ParamSpec> declared, WorkflowInstance instance)
      throws InvalidDefinitionException {
    Map<String, JsonNode> supplied = instance.getSpec().params;
    return Children.isChild(instance) ? ParamResolver.fromStrings(declared, supplied) : supplied;
  }
}
