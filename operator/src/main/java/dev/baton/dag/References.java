package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import dev.baton.api.Step;
import dev.baton.expr.Template;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks what a step's expressions read. They may read only steps that are certain to have ended:
 * the step's ancestors, and inside a loop the ancestors of each enclosing loop step. loop.x must be
 * index or a param of an enclosing foreach; last.x a step of the while loop's body, in its
 * condition or inside it.
 */
final class References {
  private final StepTree tree;
  private final Map<String, Template> templates;
  private final Problems problems;

  /** Every step id some expression reads as steps.<id>, at any level. */
  private final Set<String> read = new java.util.HashSet<>();

  /**
   * @param templates the definition's compiled templates, by source, to find a job's
   */
  References(StepTree tree, Map<String, Template> templates, Problems problems) {
    this.tree = tree;
    this.templates = templates;
    this.problems = problems;
  }

  /** The ids of the steps some expression checked so far reads, as steps.<id>. */
  Set<String> read() {
    return Set.copyOf(read);
  }

  /** Checks the steps of one compiled list, which see what {@code visible} says. */
  void check(Level level, Visibility visible) {
    StepList list = level.list();
    for (int i = 0; i < list.size(); i++) {
      Step s = list.steps().get(i);
      Level.Parts p = level.parts().get(i);
      // The step's own expressions, all in one scope: the list's.
      List<String> sources = new ArrayList<>();
      if (p.condition() != null) sources.add(p.condition().source());
      List<Template> own = new ArrayList<>(p.params().values());
      if (p.subworkflowParams() != null) own.addAll(p.subworkflowParams().values());
      if (s.job != null) {
        for (String str : s.job.interpolatedStrings()) {
          Template t = templates.get(str);
          if (t != null) own.add(t);
        }
      }
      if (p.over() != null) {
        for (var o : p.over()) if (o.expr() != null) sources.add(o.expr().source());
      }
      CompiledSignals signals = p.signals() == null ? CompiledSignals.NONE : p.signals();
      if (signals.awaited() != null) {
        if (s.signal.when != null && !s.signal.when.isBlank()) sources.add(s.signal.when);
        own.addAll(signals.waitTemplates().values());
      }
      // Output signals are rendered once the step has succeeded: they may read its own result.
      List<Template> emitted = new ArrayList<>();
      for (CompiledSignals.Emit e : signals.emits()) emitted.addAll(e.params().values());
      Set<String> stepRefs = new TreeSet<>();
      Set<String> loopRefs = new TreeSet<>();
      Set<String> lastRefs = new TreeSet<>();
      for (String src : sources) {
        stepRefs.addAll(Template.referenced("steps", src));
        loopRefs.addAll(Template.referenced("loop", src));
        lastRefs.addAll(Template.referenced("last", src));
      }
      for (Template t : own) {
        stepRefs.addAll(t.referenced("steps"));
        loopRefs.addAll(t.referenced("loop"));
        lastRefs.addAll(t.referenced("last"));
      }
      for (Template t : emitted) {
        for (String ref : t.referenced("steps")) {
          if (ref.equals(s.id)) read.add(ref);
          else stepRefs.add(ref);
        }
        loopRefs.addAll(t.referenced("loop"));
        lastRefs.addAll(t.referenced("last"));
      }
      Problems.Reporter step = problems.step(s.id);
      checkLoopRefs(step, "", loopRefs, visible.loopNames());
      checkLastRefs(step, "", lastRefs, visible.last());
      if (p.whileCondition() != null) {
        // The condition runs before each iteration: loop.index is that iteration's, last the one
        // before.
        String src = p.whileCondition().source();
        stepRefs.addAll(Template.referenced("steps", src));
        checkLoopRefs(
            step, "while.condition ", Template.referenced("loop", src), visible.withIndex());
        checkLastRefs(
            step,
            "while.condition ",
            Template.referenced("last", src),
            Visibility.LastScope.of(s, tree.body(s)));
      }
      read.addAll(stepRefs);
      // Ancestors are known only in a list without cycles; a cycle is reported already.
      if (stepRefs.isEmpty() || !list.acyclic()) continue;
      BitSet ancestors = list.ancestors(i);
      for (String ref : stepRefs) {
        String problem = stepRefProblem(ref, s.id, ancestors, list, visible);
        if (problem != null) step.add("refers to steps." + ref + ", which " + problem);
      }
    }
  }

  /** Why step {@code self} cannot read steps.{@code ref}, or null if it can. */
  private String stepRefProblem(
      String ref, String self, BitSet ancestors, StepList list, Visibility visible) {
    Integer j = list.indexById().get(ref);
    if (j != null) {
      return ancestors.get(j) ? null : "is not upstream of it; add it to dependsOn";
    }
    for (int k = visible.loops().size() - 1; k >= 0; k--) {
      Visibility.EnclosingLoop loop = visible.loops().get(k);
      if (loop.loopId().equals(ref)) {
        return "is the loop it runs in; inside a loop, read loop.<name> instead";
      }
      if (loop.listIds().contains(ref)) {
        return loop.upstream().contains(ref)
            ? null
            : "is not upstream of loop step "
                + quote(loop.loopId())
                + "; add it to that step's dependsOn";
      }
    }
    String owner = tree.loopOf(ref);
    if (owner != null) {
      return "runs inside loop step "
          + quote(owner)
          + ", out of reach of "
          + (owner.equals(self) ? "the loop step itself" : "steps outside that loop")
          + "; only steps in the same iteration can read it";
    }
    return "is not a step" + Suggestions.didYouMean(ref, tree.ids());
  }

  /**
   * @param in where in the step the references are, e.g. "while.condition ", or ""
   */
  private static void checkLoopRefs(
      Problems.Reporter step, String in, Set<String> refs, Set<String> names) {
    for (String ref : refs) {
      if (names == null) {
        step.add(
            in
                + "refers to loop."
                + ref
                + ", which is only defined inside a foreach or while step");
      } else if (!names.contains(ref)) {
        step.add(
            in
                + "refers to loop."
                + ref
                + ", which is not loop.index or a loop param of an enclosing"
                + " foreach"
                + Suggestions.didYouMean(ref, names));
      }
    }
  }

  private static void checkLastRefs(
      Problems.Reporter step, String in, Set<String> refs, Visibility.LastScope last) {
    for (String ref : refs) {
      if (last == null) {
        step.add(
            in
                + "refers to last."
                + ref
                + ", which is only defined in a while step's condition and"
                + " inside its steps");
      } else if (!last.ids().contains(ref)) {
        step.add(
            in
                + "refers to last."
                + ref
                + ", which is not a step of while step "
                + quote(last.whileId())
                + Suggestions.didYouMean(ref, last.ids()));
      }
    }
  }
}
