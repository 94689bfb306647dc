package dev.baton.dag;

import dev.baton.api.LoopParam;
import dev.baton.api.Step;
import dev.baton.api.StepType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the steps of one list can see besides each other.
 *
 * @param loops the enclosing loop steps, outermost first
 * @param loopNames the names loop.x may take, or null outside any loop
 * @param last what last.x may name, or null where there is no previous iteration to read
 */
record Visibility(List<EnclosingLoop> loops, Set<String> loopNames, LastScope last) {
  static final Visibility TOP = new Visibility(List.of(), null, null);

  /** An enclosing loop step, the ids of the list it is in, and those it depends on. */
  record EnclosingLoop(String loopId, Set<String> listIds, Set<String> upstream) {}

  /** In a while loop: last.x names a step of its body, from the previous iteration. */
  record LastScope(String whileId, Set<String> ids) {
    static LastScope of(Step whileStep, List<Step> body) {
      Set<String> ids = new HashSet<>();
      for (Step s : body) if (s != null && s.id != null) ids.add(s.id);
      return new LastScope(whileStep.id, Set.copyOf(ids));
    }
  }

  /**
   * What the body of loop step {@code i} of {@code list} sees: the loop's upstream steps, and loop
   * (and last).
   *
   * @param body the loop's inner steps, as read
   */
  Visibility inBodyOf(StepList list, int i, List<Step> body) {
    Step loop = list.steps().get(i);
    Set<String> upstream = new HashSet<>();
    list.ancestors(i).stream().forEach(j -> upstream.add(list.steps().get(j).id));
    Set<String> listIds = new HashSet<>();
    list.steps().forEach(s -> listIds.add(s.id));
    List<EnclosingLoop> loops = new ArrayList<>(this.loops);
    loops.add(new EnclosingLoop(loop.id, Set.copyOf(listIds), Set.copyOf(upstream)));
    Set<String> names = withIndex();
    LastScope last = this.last;
    if (loop.typeOrDefault() == StepType.FOREACH) {
      // The declared names, even of a foreach with problems: those are reported once, on the
      // foreach, not again on every step inside that reads loop.<name>.
      if (loop.foreach != null && loop.foreach.over != null) {
        for (LoopParam p : loop.foreach.over) if (p != null && p.name != null) names.add(p.name);
      }
    } else {
      last = LastScope.of(loop, body);
    }
    return new Visibility(List.copyOf(loops), Set.copyOf(names), last);
  }

  /**
   * The names loop.x may take here, and index: as in a loop's body, and in a while step's
   * condition, which runs before each iteration and reads that iteration's loop.index.
   */
  Set<String> withIndex() {
    Set<String> names = new TreeSet<>(loopNames == null ? Set.of() : loopNames);
    names.add("index");
    return names;
  }
}
