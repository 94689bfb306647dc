package dev.baton.signals;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which runs a signal trigger starts from the signals that have not started one of it yet: the rule
 * of joins, pure.
 *
 * <p>A single-signal trigger starts one run per matching signal. A join of n selectors starts a run
 * for every n signals, one matching each selector, that agree on the joinOn params, taking each
 * selector's signals in arrival order: for one join key, the first signal of each selector make the
 * first run, the second of each the second run, and so on; a signal whose partners have not arrived
 * waits for them. Every signal takes part in at most one run of a trigger.
 */
public final class SignalJoins {
  private SignalJoins() {}

  /**
   * The runs to start, each as its signals in selector order, in the order to start them.
   *
   * @param fresh signals that have started no run of this trigger, created at or after its
   *     watermark; the ones that match none of its selectors are left out here
   */
  public static List<List<SignalView>> runs(
      CompiledSignalTrigger trigger, Collection<SignalView> fresh) {
    int n = trigger.size();
    // join key -> per selector, its signals
    Map<List<String>, List<List<SignalView>>> byKey = new LinkedHashMap<>();
    for (SignalView s : fresh.stream().sorted(SignalView.ARRIVAL).toList()) {
      int i = trigger.selectorOf(s);
      if (i < 0) continue;
      List<String> key = trigger.isJoin() ? trigger.joinKey(s).orElseThrow() : List.of(s.uid());
      List<List<SignalView>> slots =
          byKey.computeIfAbsent(
              key,
              k -> {
                List<List<SignalView>> l = new ArrayList<>(n);
                for (int j = 0; j < n; j++) l.add(new ArrayList<>());
                return l;
              });
      slots.get(i).add(s);
    }
    List<List<SignalView>> runs = new ArrayList<>();
    for (List<List<SignalView>> slots : byKey.values()) {
      int complete = slots.stream().mapToInt(List::size).min().orElse(0);
      for (int r = 0; r < complete; r++) {
        List<SignalView> run = new ArrayList<>(n);
        for (List<SignalView> slot : slots) run.add(slot.get(r));
        runs.add(List.copyOf(run));
      }
    }
    runs.sort((a, b) -> SignalView.ARRIVAL.compare(last(a), last(b)));
    return runs;
  }

  /** The signal that completed a run: the last of its signals to arrive. */
  private static SignalView last(List<SignalView> run) {
    return run.stream().max(SignalView.ARRIVAL).orElseThrow();
  }
}
