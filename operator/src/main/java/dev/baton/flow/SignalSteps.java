package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.api.Durations;
import dev.baton.api.OutputSignal;
import dev.baton.api.ParamMatch;
import dev.baton.api.SignalRef;
import dev.baton.api.SignalWait;
import dev.baton.api.StepState;
import dev.baton.api.StepType;
import dev.baton.dag.CompiledSignals;
import dev.baton.dag.CompiledStep;
import dev.baton.expr.Expression;
import dev.baton.expr.ExpressionException;
import dev.baton.expr.Scope;
import dev.baton.expr.Template;
import dev.baton.expr.Values;
import dev.baton.flow.Command.SetTimer;
import dev.baton.util.Text;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The signals of steps: a signal step's wait (it runs in the runtime, which reports the first
 * matching Signal), and the output signals any step emits on success, before it counts as
 * Succeeded.
 */
final class SignalSteps {
  private final Frame top;
  private final Agenda agenda;
  private final StepRenderer renderer;
  private final StepOutcomes outcomes;
  private final RunHeader header;

  SignalSteps(
      Frame top, Agenda agenda, StepRenderer renderer, StepOutcomes outcomes, RunHeader header) {
    this.top = top;
    this.agenda = agenda;
    this.renderer = renderer;
    this.outcomes = outcomes;
    this.header = header;
  }

  // ---- waits -------------------------------------------------------------------------------

  /**
   * Starts, or after an operator restart resumes, the wait of a signal step's current attempt:
   * Running, with its timeout armed from the attempt's start. The selector's ${...} values are
   * rendered now, against the step's scope; one that cannot be rendered fails the step.
   */
  void await(Frame f, int i, Map<String, String> stepParams, Instant now) {
    CompiledStep s = f.step(i);
    CompiledSignals signals = s.signals();
    Scope scope;
    String selector;
    try {
      Map<String, String> params = stepParams != null ? stepParams : renderer.stepParams(f, s);
      scope = frozen(renderer.stepScope(f, params));
      selector = describe(s.definition().signal, signals.waitTemplates(), scope);
    } catch (ExpressionException e) {
      outcomes.failed(f, i, FailureKind.FATAL, e.getMessage(), now);
      return;
    }
    f.released[i] = null;
    outcomes.moved(f, i, StepState.Running, "waiting for signal " + selector);
    agenda.command(
        new Command.AwaitSignal(f.path(i), f.attempt[i], signals.awaited(), scope, selector));
    if (signals.waitTimeout() != null) {
      agenda.command(
          new SetTimer(
              new TimerKey(TimerKey.Kind.SIGNAL_TIMEOUT, f.path(i), f.attempt[i]),
              f.startTime[i].plus(signals.waitTimeout())));
    }
    agenda.armStepTimeout(f, i);
  }

  /** A matching Signal exists: the step succeeds, its outputs the signal's params. */
  void onArrived(FlowEvent.SignalArrived e, Instant now) {
    Occurrence o = top.locate(e.path());
    if (o == null || !o.isCurrent(e.attempt())) return;
    Frame f = o.frame();
    int i = o.index();
    if (f.step(i).type() != StepType.SIGNAL
        || f.state[i] != StepState.Running
        || f.emitting[i]
        || f.released[i] != null) return;
    f.released[i] = new SignalRef(e.signal(), e.uid());
    outcomes.succeeded(f, i, e.params() == null ? Map.of() : e.params(), now);
  }

  /** Why a signal step's attempt timed out, if it still waits; else null. */
  String timedOut(Frame f, int i) {
    if (f.state[i] != StepState.Running || f.emitting[i] || f.released[i] != null) return null;
    CompiledStep s = f.step(i);
    agenda.command(new Command.CancelSignalWait(f.path(i), f.attempt[i]));
    String selector =
        f.message[i] != null && f.message[i].startsWith("waiting for signal ")
            ? f.message[i].substring("waiting for signal ".length())
            : s.definition().signal.name;
    return "no signal "
        + selector
        + " arrived within "
        + Durations.format(s.signals().waitTimeout());
  }

  /** The attempt stops waiting: stopped, skipped, or timed out by the step's own timeout. */
  void cancel(Frame f, int i) {
    agenda.command(new Command.CancelSignalWait(f.path(i), f.attempt[i]));
  }

  /**
   * What expressions see when the wait began, copied: the runtime matches signals against it on
   * other threads while the frame goes on changing.
   */
  private static Scope frozen(Scope s) {
    return new Scope(copy(s.params()), copy(s.steps()), copy(s.loop()), copy(s.last()));
  }

  private static Map<String, Object> copy(Map<String, Object> m) {
    return m.isEmpty() ? Map.of() : Collections.unmodifiableMap(new HashMap<>(m));
  }

  /**
   * The selector in words, its ${...} rendered: {@code table-ready (date = 2026-01-01, rows > 10,
   * when 'signal.params.ok')}. Throws naming a value that cannot be rendered.
   */
  private static String describe(SignalWait w, Map<String, Template> templates, Scope scope) {
    List<String> parts = new ArrayList<>();
    if (w.match != null) {
      for (ParamMatch m : w.match) {
        Template t = templates.get(m.param);
        String value;
        if (t != null && m.value.isTextual() && Template.hasHoles(m.value.asText())) {
          try {
            value = t.render(scope);
          } catch (ExpressionException e) {
            throw new ExpressionException(
                "could not render signal.match param \"" + m.param + "\": " + e.getMessage());
          }
        } else {
          value = m.value.isTextual() ? m.value.asText() : m.value.toString();
        }
        parts.add(m.param + " " + m.opOrDefault().symbol() + " " + Text.abbreviate(value, 100));
      }
    }
    if (w.when != null && !w.when.isBlank()) {
      parts.add("when '" + Text.abbreviate(w.when, 200) + "'");
    }
    return parts.isEmpty() ? w.name : w.name + " (" + String.join(", ", parts) + ")";
  }

  // ---- output signals ----------------------------------------------------------------------

  /**
   * A step's work succeeded: if it declares output signals, they are rendered and asked for, and
   * the step stays Running until they exist (true). False when it has none: it succeeds now. A
   * signal that cannot be rendered, or a param over the limit, fails the step for good.
   */
  boolean emit(Frame f, int i, Map<String, JsonNode> outputs, Instant now) {
    CompiledStep s = f.step(i);
    if (!s.signals().emitsAny()) return false;
    List<Command.SignalToEmit> rendered;
    try {
      rendered = render(f, i, outputs);
    } catch (ExpressionException e) {
      outcomes.failed(f, i, FailureKind.FATAL, e.getMessage(), now);
      return true;
    }
    f.outputs[i] = outputs.isEmpty() ? null : outputs;
    f.emitting[i] = true;
    String why = "emitting " + rendered.size() + " signal" + (rendered.size() == 1 ? "" : "s");
    if (f.state[i] != StepState.Running) {
      outcomes.moved(f, i, StepState.Running, why);
    } else {
      f.message[i] = why;
      f.markChanged(i);
      agenda.statusChanged();
    }
    agenda.command(new Command.EmitSignals(f.path(i), f.attempt[i], header.run(), rendered));
    return true;
  }

  /** The attempt's output signals exist: the step succeeds with the outputs it had. */
  void onEmitted(FlowEvent.SignalsEmitted e, Instant now) {
    Occurrence o = emitting(e.path(), e.attempt());
    if (o == null) return;
    Frame f = o.frame();
    int i = o.index();
    f.emitting[i] = false;
    f.emitted[i] = List.copyOf(e.names());
    outcomes.emitted(f, i, now);
  }

  void onEmitFailed(FlowEvent.SignalEmitFailed e, Instant now) {
    Occurrence o = emitting(e.path(), e.attempt());
    if (o == null) return;
    o.frame().emitting[o.index()] = false;
    outcomes.failed(o.frame(), o.index(), FailureKind.FATAL, e.message(), now);
  }

  private Occurrence emitting(StepPath path, int attempt) {
    Occurrence o = top.locate(path);
    return o != null && o.isCurrent(attempt) && o.frame().emitting[o.index()] ? o : null;
  }

  /**
   * The step's output signals, rendered against its scope with its own entry added: {@code
   * steps.<its id>} with state Succeeded and these outputs.
   */
  private List<Command.SignalToEmit> render(Frame f, int i, Map<String, JsonNode> outputs) {
    CompiledStep s = f.step(i);
    Map<String, String> stepParams = renderer.stepParams(f, s);
    Scope base = renderer.stepScope(f, stepParams);
    Map<String, Object> self = new HashMap<>(f.scopeOf(i));
    self.put("state", StepState.Succeeded.name());
    self.put("outputs", Values.fromJsonMap(outputs));
    Map<String, Object> steps = new HashMap<>(base.steps());
    steps.put(s.id(), self);
    Scope scope = new Scope(base.params(), steps, base.loop(), base.last());
    List<Command.SignalToEmit> out = new ArrayList<>();
    List<CompiledSignals.Emit> emits = s.signals().emits();
    for (int k = 0; k < emits.size(); k++) {
      CompiledSignals.Emit emit = emits.get(k);
      Map<String, JsonNode> params = new LinkedHashMap<>();
      for (Map.Entry<String, Template> p : emit.params().entrySet()) {
        String what = "output signal " + emit.name() + ": param \"" + p.getKey() + "\"";
        JsonNode value;
        try {
          Expression sole = p.getValue().soleExpression();
          value =
              sole != null
                  ? Values.toJson(sole.evaluate(scope))
                  : TextNode.valueOf(p.getValue().render(scope));
        } catch (ExpressionException e) {
          throw new ExpressionException("could not render " + what + ": " + e.getMessage());
        }
        int size = value.isTextual() ? value.asText().length() : value.toString().length();
        if (size > OutputSignal.MAX_PARAM_CHARS) {
          throw new ExpressionException(
              what
                  + " is "
                  + size
                  + " characters, over the limit of "
                  + OutputSignal.MAX_PARAM_CHARS);
        }
        params.put(p.getKey(), value);
      }
      out.add(new Command.SignalToEmit(k, emit.name(), Collections.unmodifiableMap(params)));
    }
    return out;
  }
}
