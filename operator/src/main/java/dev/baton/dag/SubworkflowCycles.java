package dev.baton.dag;

import dev.baton.api.Step;
import dev.baton.api.StepType;
import dev.baton.api.WorkflowSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Finds where a workflow calls itself through subworkflow steps, directly or through other
 * Workflows. Such a run could only end at the depth bound, so it is rejected at validation. A
 * Workflow that does not exist (yet) calls nothing: it is not an error here, since it may be
 * applied later.
 */
public final class SubworkflowCycles {
  private SubworkflowCycles() {}

  /**
   * One problem per subworkflow step of {@code spec} (at any level of nesting) whose workflow leads
   * back to {@code name}, naming the step and the shortest such cycle.
   *
   * @param lookup the spec of another Workflow of the namespace by name, or null when there is none
   */
  public static List<String> find(
      String name, WorkflowSpec spec, Function<String, WorkflowSpec> lookup) {
    Map<String, Collection<String>> callees = new HashMap<>();
    Function<String, Collection<String>> calleesOf =
        wf ->
            callees.computeIfAbsent(
                wf,
                w -> {
                  WorkflowSpec s = lookup.apply(w);
                  return s == null ? List.of() : new LinkedHashSet<>(calls(s).values());
                });
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> call : calls(spec).entrySet()) {
      List<String> back = path(call.getValue(), name, calleesOf);
      if (back == null) continue;
      List<String> cycle = new ArrayList<>();
      cycle.add(name);
      cycle.addAll(back);
      problems.add(
          "step \""
              + call.getKey()
              + "\": workflow "
              + name
              + " calls itself: "
              + String.join(" -> ", cycle));
    }
    return problems;
  }

  /** The workflow each subworkflow step calls, by step id, at every level of nesting. */
  public static Map<String, String> calls(WorkflowSpec spec) {
    Map<String, String> calls = new LinkedHashMap<>();
    if (spec != null && spec.steps != null) collect(spec.steps, calls);
    return calls;
  }

  private static void collect(List<Step> steps, Map<String, String> calls) {
    for (Step s : steps) {
      if (s == null) continue;
      if (s.typeOrDefault() == StepType.SUBWORKFLOW
          && s.subworkflow != null
          && s.subworkflow.workflow != null
          && s.id != null) {
        calls.put(s.id, s.subworkflow.workflow);
      }
      if (s.typeOrDefault().isLoop()) collect(NestedSteps.readable(s), calls);
    }
  }

  /** The shortest call path from {@code from} to {@code to}, both included; null when none. */
  private static List<String> path(
      String from, String to, Function<String, Collection<String>> calleesOf) {
    Map<String, String> cameFrom = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>();
    cameFrom.put(from, null);
    queue.add(from);
    while (!queue.isEmpty()) {
      String wf = queue.poll();
      if (wf.equals(to)) {
        List<String> path = new ArrayList<>();
        for (String w = wf; w != null; w = cameFrom.get(w)) path.addFirst(w);
        return path;
      }
      for (String next : calleesOf.apply(wf)) {
        if (!cameFrom.containsKey(next)) {
          cameFrom.put(next, wf);
          queue.add(next);
        }
      }
    }
    return null;
  }
}
