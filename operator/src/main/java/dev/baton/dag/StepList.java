package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import dev.baton.api.Step;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One list of steps (the workflow's, or one loop's body) and the dependencies between them.
 *
 * @param indexById each step's position in {@code steps}, as declared
 * @param deps for each step, the positions of the steps it depends on
 * @param order a topological order of the positions, or null when dependsOn forms a cycle
 */
record StepList(List<Step> steps, Map<String, Integer> indexById, int[][] deps, int[] order) {

  /**
   * Reads each step's dependsOn, reporting entries that name no step beside it, and orders the
   * list, reporting a cycle. Entries with problems are left out of {@code deps}.
   */
  static StepList of(List<Step> steps, StepTree tree, Problems problems) {
    Map<String, Integer> indexById = new LinkedHashMap<>();
    for (int i = 0; i < steps.size(); i++) indexById.put(steps.get(i).id, i);

    int[][] deps = new int[steps.size()][];
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      Problems.Reporter step = problems.step(s.id);
      List<Integer> d = new ArrayList<>();
      for (String dep : s.dependsOnOrEmpty()) {
        Integer j = dep == null ? null : indexById.get(dep);
        if (dep == null) {
          step.add("dependsOn has an empty entry");
        } else if (j == null && tree.contains(dep)) {
          step.add(
              "dependsOn "
                  + quote(dep)
                  + " is not in the same list of steps;"
                  + " a step can depend only on steps beside it (a step inside a loop sees the loop's"
                  + " dependencies)");
        } else if (j == null) {
          step.add(
              "dependsOn "
                  + quote(dep)
                  + " is not a step"
                  + Suggestions.didYouMean(dep, indexById.keySet()));
        } else if (j == i) {
          step.add("depends on itself");
        } else if (d.contains(j)) {
          step.add("dependsOn names " + quote(dep) + " twice");
        } else {
          d.add(j);
        }
      }
      deps[i] = d.stream().mapToInt(Integer::intValue).toArray();
    }

    int[] order = StepGraph.topologicalOrder(deps);
    if (order == null) {
      List<String> cycle = new ArrayList<>();
      for (int i : StepGraph.cycle(deps)) cycle.add(steps.get(i).id);
      cycle.add(cycle.getFirst());
      problems.step(cycle.getFirst()).add("dependsOn forms a cycle: " + String.join(" -> ", cycle));
    }
    return new StepList(steps, indexById, deps, order);
  }

  int size() {
    return steps.size();
  }

  boolean acyclic() {
    return order != null;
  }

  /**
   * The steps step {@code i} depends on, directly or not: those certain to have ended before it
   * starts.
   */
  BitSet ancestors(int i) {
    return StepGraph.reachable(i, k -> deps[k]);
  }
}
