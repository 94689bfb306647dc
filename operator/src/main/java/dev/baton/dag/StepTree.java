package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import dev.baton.api.Step;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every step id in the definition, at every level, and where it is, and the inner steps of each
 * loop step, read from their raw JSON. Surveyed before anything else is checked, since every later
 * check refers to steps by id.
 */
final class StepTree {
  private final Map<String, String> location = new HashMap<>();

  /** The loop step whose body holds each step; absent for top-level steps. */
  private final Map<String, String> parent = new HashMap<>();

  /** The inner steps of each loop step surveyed, as read from its raw JSON. */
  private final Map<Step, List<Step>> bodies = new IdentityHashMap<>();

  private int total;
  private boolean badIds;

  private StepTree() {}

  /**
   * Records ids (unique across the tree), counts steps and checks the per-list and nesting bounds.
   * Goes into the bodies of loop steps only, as the compiler does, and no deeper than the nesting
   * bound, so a deeply nested definition cannot exhaust the stack.
   */
  static StepTree survey(List<Step> steps, Limits limits, Problems problems) {
    StepTree tree = new StepTree();
    tree.survey(steps, "spec.steps", null, 0, limits, problems);
    return tree;
  }

  /** Whether a step has no usable id, or one taken, or is nested too deep to be compiled. */
  boolean badIds() {
    return badIds;
  }

  /** Steps in all, counting those inside foreach and while steps. */
  int total() {
    return total;
  }

  boolean contains(String id) {
    return location.containsKey(id);
  }

  Set<String> ids() {
    return location.keySet();
  }

  /**
   * The inner steps of loop step {@code loop}, read strictly (problems were reported in the
   * survey); empty for a step whose body was not surveyed.
   */
  List<Step> body(Step loop) {
    return bodies.getOrDefault(loop, List.of());
  }

  /** The loop step whose body holds step {@code id}, or null for a top-level step. */
  String loopOf(String id) {
    return parent.get(id);
  }

  private void survey(
      List<Step> steps, String path, String loop, int depth, Limits limits, Problems problems) {
    if (steps.size() > limits.maxSteps()) {
      (loop == null ? problems.about("spec.steps") : problems.step(loop).field("steps"))
          .add(
              steps.size()
                  + " steps, over the limit of "
                  + limits.maxSteps()
                  + (loop == null ? "" : " in one loop"));
    }
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      String at = path + "[" + i + "]";
      total++;
      if (s == null || s.id == null || !s.id.matches(Step.ID_PATTERN)) {
        problems
            .about(at)
            .add(
                "id "
                    + (s == null || s.id == null
                        ? "is missing"
                        : quote(s.id) + " must match " + Step.ID_PATTERN));
        badIds = true;
      } else {
        String earlier = location.putIfAbsent(s.id, at);
        if (earlier != null) {
          problems.step(s.id).add("duplicate id (" + earlier + " and " + at + ")");
          badIds = true;
        } else if (loop != null) {
          parent.put(s.id, loop);
        }
      }
      if (s == null || !s.typeOrDefault().isLoop() || s.steps == null) continue;
      if (depth + 1 > limits.maxLoopDepth()) {
        problems
            .step(String.valueOf(s.id))
            .add(
                "loops nest "
                    + (depth + 1)
                    + " deep here, over the limit of "
                    + limits.maxLoopDepth());
        badIds = true; // its body is not compiled, so stop before the checks that would
      } else {
        List<Step> body = NestedSteps.read(s, at, problems);
        bodies.put(s, body);
        survey(body, at + ".steps", s.id, depth + 1, limits, problems);
      }
    }
  }
}
