package dev.baton.dag;

import dev.baton.expr.Template;
import dev.baton.signals.SignalMatcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A step's signals, compiled: what a signal step waits for, and what any step emits on success.
 *
 * @param awaited for a signal step, its selector compiled; else null
 * @param waitTimeout for a signal step, how long it waits; null for no limit
 * @param waitTemplates the ${...} values of the selector's match, by param (rendered when the wait
 *     begins, so a value that cannot be rendered fails the step naming the param)
 * @param emits the output signals, in declaration order; empty for none
 */
public record CompiledSignals(
    SignalMatcher awaited,
    Duration waitTimeout,
    Map<String, Template> waitTemplates,
    List<Emit> emits) {
  public static final CompiledSignals NONE = new CompiledSignals(null, null, Map.of(), List.of());

  /**
   * One output signal: its type and its params' templates, in declaration order. A param whose
   * template is one ${...} and nothing else keeps its value's type.
   */
  public record Emit(String name, Map<String, Template> params) {}

  public boolean emitsAny() {
    return !emits.isEmpty();
  }
}
