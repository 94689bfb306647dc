package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.api.Signal;
import dev.baton.api.SignalSpec;
import dev.baton.api.StepState;
import dev.baton.dag.Specs;
import dev.baton.flow.Command;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceFlow;
import dev.baton.flow.InstanceKey;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The index of waiting signal steps: released by a Signal that exists when the wait begins (the
 * oldest), or by the next one added; once; never by a signal that does not match.
 */
class SignalWaitsTest {
  static final String NS = "ns";
  static final String YAML =
      """
      params: [{name: date, default: "2026-01-01"}]
      steps:
        - id: wait
          type: signal
          signal: {name: table-ready, match: [{param: date, value: "${params.date}"}]}
      """;

  final List<Signal> cache = new ArrayList<>();
  final SignalWaits waits = new SignalWaits();
  final List<Command> commands = new ArrayList<>();
  final InstanceFlow flow =
      new InstanceFlow(
          "run-1",
          Specs.compile(YAML),
          null,
          Map.<String, JsonNode>of("date", TextNode.valueOf("2026-01-01")));
  final FlowActor actor =
      new FlowEngine(Runnable::run, (a, cs) -> commands.addAll(cs), Clock.systemUTC())
          .getOrCreate(new InstanceKey(NS, "run-1"), () -> flow);

  SignalWaitsTest() {
    waits.attach((ns, name) ->
        cache.stream()
            .filter(s -> s.getMetadata().getNamespace().equals(ns))
            .filter(s -> s.getSpec().name.equals(name))
            .toList());
  }

  static Signal signal(String name, String type, String date, String created) {
    Signal s = new Signal();
    ObjectMeta m = new ObjectMeta();
    m.setName(name);
    m.setNamespace(NS);
    m.setUid("uid-" + name);
    m.setCreationTimestamp(created);
    s.setMetadata(m);
    SignalSpec spec = new SignalSpec();
    spec.name = type;
    spec.params = Map.of("date", TextNode.valueOf(date));
    s.setSpec(spec);
    return s;
  }

  /** Starts the run; its AwaitSignal goes to the index, as the runtime would send it. */
  void startWaiting() {
    actor.tell(new FlowEvent.Start(Instant.now()));
    Command.AwaitSignal await =
        commands.stream()
            .filter(Command.AwaitSignal.class::isInstance)
            .map(Command.AwaitSignal.class::cast)
            .findFirst()
            .orElseThrow(() -> new AssertionError(commands + " " + flow.snapshot().message));
    waits.await(actor, await);
  }

  StepState waitState() {
    return flow.stepState("wait");
  }

  @Test
  void aSignalMadeBeforeTheWaitReleasesItAtOnce() {
    cache.add(signal("old", "table-ready", "2026-01-01", "2026-01-01T00:00:00Z"));
    startWaiting();
    assertThat(waitState()).isEqualTo(StepState.Succeeded);
    assertThat(flow.snapshot().steps.get("wait").signal.name).isEqualTo("old");
    assertThat(waits.waiting()).isZero();
  }

  @Test
  void theOldestOfSeveralExistingSignalsIsTaken() {
    cache.add(signal("b-newer", "table-ready", "2026-01-01", "2026-01-02T00:00:00Z"));
    cache.add(signal("z-older", "table-ready", "2026-01-01", "2026-01-01T00:00:00Z"));
    cache.add(signal("a-newest", "table-ready", "2026-01-01", "2026-01-03T00:00:00Z"));
    startWaiting();
    assertThat(flow.snapshot().steps.get("wait").signal.name).isEqualTo("z-older");
  }

  @Test
  void aSignalAddedLaterReleasesTheWait() {
    startWaiting();
    assertThat(waitState()).isEqualTo(StepState.Running);
    assertThat(waits.waiting()).isOne();
    waits.added(signal("new", "table-ready", "2026-01-01", "2026-01-01T00:00:00Z"));
    assertThat(waitState()).isEqualTo(StepState.Succeeded);
    assertThat(flow.snapshot().steps.get("wait").signal.uid).isEqualTo("uid-new");
    assertThat(waits.waiting()).isZero();
  }

  @Test
  void signalsThatDoNotMatchLeaveItWaiting() {
    cache.add(signal("other-date", "table-ready", "2026-01-02", "2026-01-01T00:00:00Z"));
    cache.add(signal("other-type", "model-ready", "2026-01-01", "2026-01-01T00:00:00Z"));
    startWaiting();
    waits.added(signal("other-date-2", "table-ready", "2026-01-03", "2026-01-01T00:00:00Z"));
    Signal elsewhere = signal("elsewhere", "table-ready", "2026-01-01", "2026-01-01T00:00:00Z");
    elsewhere.getMetadata().setNamespace("other-ns");
    waits.added(elsewhere);
    assertThat(waitState()).isEqualTo(StepState.Running);
    assertThat(waits.waiting()).isOne();
  }

  @Test
  void aCancelledOrForgottenWaitIsNotReleased() {
    startWaiting();
    waits.forget(actor.key());
    assertThat(waits.waiting()).isZero();
    waits.added(signal("late", "table-ready", "2026-01-01", "2026-01-01T00:00:00Z"));
    assertThat(waitState()).isEqualTo(StepState.Running);
  }
}
