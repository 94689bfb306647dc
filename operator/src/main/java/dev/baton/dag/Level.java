package dev.baton.dag;

import dev.baton.api.ParamSpec;
import dev.baton.api.Step;
import dev.baton.api.WorkflowSpec;
import dev.baton.expr.Expression;
import dev.baton.expr.Template;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One list of steps, checked and compiled, in declaration order: what becomes a {@link
 * CompiledWorkflow} once it is indexed.
 *
 * @param parts each step's compiled parts, by position in the list
 */
record Level(StepList list, List<Parts> parts) {

  /** What one step compiles to, besides its edges; see {@link CompiledStep}. */
  record Parts(
      Expression condition,
      Map<String, Template> params,
      Duration timeout,
      Duration sleep,
      Level body,
      List<CompiledStep.LoopParamSource> over,
      Expression whileCondition,
      Map<String, Template> subworkflowParams,
      CompiledSignals signals) {}

  /**
   * This list indexed by topological position, bodies included; see {@link CompiledWorkflow} for
   * the arguments, which are null or empty for a body.
   */
  CompiledWorkflow assemble(
      WorkflowSpec spec,
      String hash,
      Map<String, Template> templates,
      Duration timeout,
      List<ParamSpec> params,
      java.util.Set<String> read) {
    List<Step> steps = list.steps();
    int[] order = list.order();
    int n = steps.size();
    // Index steps by topological position, so a scan in index order meets dependencies first.
    int[] position = new int[n];
    for (int p = 0; p < n; p++) position[order[p]] = p;
    List<List<Integer>> dependents = new ArrayList<>(n);
    for (int i = 0; i < n; i++) dependents.add(new ArrayList<>());
    for (int i = 0; i < n; i++) for (int j : list.deps()[i]) dependents.get(j).add(i);
    List<CompiledStep> compiled = new ArrayList<>(n);
    Map<String, Integer> byId = new HashMap<>(n * 2);
    for (int p = 0; p < n; p++) {
      int i = order[p];
      Step s = steps.get(i);
      Parts parts = this.parts.get(i);
      compiled.add(
          new CompiledStep(
              p,
              s.id,
              s,
              Arrays.stream(list.deps()[i]).map(j -> position[j]).toArray(),
              dependents.get(i).stream().mapToInt(j -> position[j]).toArray(),
              parts.condition(),
              parts.params(),
              parts.timeout(),
              parts.sleep(),
              // A body shares the definition's hash and templates; see CompiledWorkflow.
              parts.body() == null
                  ? null
                  : parts.body().assemble(null, hash, templates, null, List.of(), read),
              parts.over(),
              parts.whileCondition(),
              parts.subworkflowParams(),
              parts.signals()));
      byId.put(s.id, p);
    }
    return new CompiledWorkflow(
        spec, hash, List.copyOf(compiled), Map.copyOf(byId), templates, timeout, params, read);
  }
}
