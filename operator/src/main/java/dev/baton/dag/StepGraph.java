package dev.baton.dag;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Graph algorithms over one list of steps, each step named by its index and its edges given as
 * arrays of indices: {@code deps[i]} the steps step i depends on, or the {@link
 * CompiledStep#dependents()} going the other way. The compiler orders and checks a definition with
 * them; the flow engine finds what a restart runs again.
 */
public final class StepGraph {
  private StepGraph() {}

  /**
   * The steps in an order where each comes after every step it depends on (Kahn's algorithm), or
   * null when {@code deps} has a cycle.
   */
  static int[] topologicalOrder(int[][] deps) {
    Sort sort = sort(deps);
    return sort.count() == deps.length ? sort.order() : null;
  }

  /**
   * One cycle of {@code deps}, or an empty list when there is none. Each step in it is followed by
   * one that depends on it: for a, b, c, b depends on a, c on b and a on c.
   */
  static List<Integer> cycle(int[][] deps) {
    int[] indegree = sort(deps).indegree();
    // Walk dependencies from any step left unsorted; within the leftovers one must come round.
    int start = -1;
    for (int i = 0; i < deps.length && start < 0; i++) if (indegree[i] > 0) start = i;
    if (start < 0) return List.of();
    List<Integer> path = new ArrayList<>();
    Map<Integer, Integer> seenAt = new HashMap<>();
    int cur = start;
    while (!seenAt.containsKey(cur)) {
      seenAt.put(cur, path.size());
      path.add(cur);
      int next = -1;
      for (int j : deps[cur])
        if (indegree[j] > 0) {
          next = j;
          break;
        }
      cur = next;
    }
    List<Integer> cycle = new ArrayList<>(path.subList(seenAt.get(cur), path.size()));
    return cycle.reversed();
  }

  /**
   * The steps reached from {@code from} by following one or more edges; {@code from} itself only
   * when it is on a cycle. Over dependencies, these are a step's ancestors.
   */
  static BitSet reachable(int from, IntFunction<int[]> edges) {
    BitSet seen = new BitSet();
    Deque<Integer> todo = new ArrayDeque<>();
    for (int j : edges.apply(from)) todo.push(j);
    while (!todo.isEmpty()) {
      int j = todo.pop();
      if (!seen.get(j)) {
        seen.set(j);
        for (int k : edges.apply(j)) todo.push(k);
      }
    }
    return seen;
  }

  /** Step {@code from} of {@code wf} and every step that depends on it, directly or not. */
  public static BitSet downstreamOf(CompiledWorkflow wf, int from) {
    BitSet downstream = reachable(from, k -> wf.steps().get(k).dependents());
    downstream.set(from);
    return downstream;
  }

  /**
   * What Kahn's algorithm leaves: the order of the first {@code count} steps, and indegrees left.
   */
  private record Sort(int[] order, int count, int[] indegree) {}

  private static Sort sort(int[][] deps) {
    int n = deps.length;
    int[] indegree = new int[n];
    List<List<Integer>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      indegree[i] = deps[i].length;
      for (int j : deps[i]) out.get(j).add(i);
    }
    int[] order = new int[n];
    int count = 0;
    Deque<Integer> ready = new ArrayDeque<>();
    for (int i = 0; i < n; i++) if (indegree[i] == 0) ready.add(i);
    while (!ready.isEmpty()) {
      int i = ready.poll();
      order[count++] = i;
      for (int k : out.get(i)) if (--indegree[k] == 0) ready.add(k);
    }
    return new Sort(order, count, indegree);
  }
}
