package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.baton.api.Signal;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.dag.Specs;
import dev.baton.flow.Command;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceFlow;
import dev.baton.flow.InstanceKey;
import dev.baton.flow.StepPath;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Output signals against the mock API server: deterministic names, an AlreadyExists of this
 * attempt's own Signal taken as created (a retried create, a new operator), anything else under the
 * name refused.
 */
@EnableKubernetesMockClient(crud = true)
class SignalEmitterTest {
  static final String NS = "emit";
  static KubernetesClient client;

  final List<Command> commands = new ArrayList<>();
  final InstanceFlow flow =
      new InstanceFlow(
          "run-1",
          Specs.compile(
              """
              steps:
                - id: make
                  type: noop
                  signals: [{name: made, params: {n: "${1 + 1}"}}]
              """),
          null,
          Map.<String, JsonNode>of());
  final FlowActor actor =
      new FlowEngine(Runnable::run, (a, cs) -> commands.addAll(cs), Clock.systemUTC())
          .getOrCreate(new InstanceKey(NS, "run-1"), () -> flow);
  final SignalEmitter emitter = new SignalEmitter(client, CreateRetry.DEFAULT);

  static WorkflowInstance owner(String uid) {
    WorkflowInstance wi = new WorkflowInstance();
    ObjectMeta m = new ObjectMeta();
    m.setName("run-1");
    m.setNamespace(NS);
    m.setUid(uid);
    wi.setMetadata(m);
    wi.setSpec(new WorkflowInstanceSpec());
    wi.getSpec().workflow = "maker";
    return wi;
  }

  Command.EmitSignals started() {
    actor.tell(new FlowEvent.Start(Instant.now()));
    return commands.stream()
        .filter(Command.EmitSignals.class::isInstance)
        .map(Command.EmitSignals.class::cast)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theNameIsAPureFunctionOfTheAttempt() {
    String a = SignalEmitter.name("run-1", "u1", 1, "each.3.make", 2, 0, "table-ready");
    assertThat(a)
        .isEqualTo(SignalEmitter.name("run-1", "u1", 1, "each.3.make", 2, 0, "table-ready"))
        .startsWith("run-1-table-ready-")
        .isNotEqualTo(SignalEmitter.name("run-1", "u1", 1, "each.3.make", 3, 0, "table-ready"))
        .isNotEqualTo(SignalEmitter.name("run-1", "u1", 2, "each.3.make", 2, 0, "table-ready"))
        .isNotEqualTo(SignalEmitter.name("run-1", "u2", 1, "each.3.make", 2, 0, "table-ready"))
        .isNotEqualTo(SignalEmitter.name("run-1", "u1", 1, "each.3.make", 2, 1, "table-ready"));
    assertThat(SignalEmitter.name("a.b".repeat(30), "u", 1, "s", 1, 0, "x".repeat(63)))
        .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")
        .hasSizeLessThanOrEqualTo(72);
  }

  @Test
  void emittingTwiceMakesOneSignalAndSucceedsBothTimes() {
    Command.EmitSignals emit = started();
    WorkflowInstance owner = owner("uid-twice");
    emitter.emit(actor, owner, emit, () -> true);
    assertThat(flow.stepState("make")).isEqualTo(StepState.Succeeded);
    // As a new operator would: the same attempt asks again.
    List<Command> before = List.copyOf(commands);
    emitter.emit(actor, owner, emit, () -> true);
    List<Signal> all = client.resources(Signal.class).inNamespace(NS).list().getItems();
    Signal s =
        all.stream()
            .filter(
                x -> "uid-twice".equals(x.getMetadata().getAnnotations().get(Labels.INSTANCE_UID)))
            .reduce((x, y) -> {
              throw new AssertionError("two signals for one attempt");
            })
            .orElseThrow();
    assertThat(s.getSpec().params.get("n").isIntegralNumber()).isTrue();
    assertThat(s.getSpec().params.get("n").intValue()).isEqualTo(2);
    assertThat(s.getSpec().source.stepPath).isEqualTo("make");
    assertThat(flow.snapshot().steps.get("make").emittedSignals)
        .containsExactly(s.getMetadata().getName());
    assertThat(commands).hasSameSizeAs(before);
  }

  @Test
  void aSignalOfAnotherAttemptUnderTheNameFailsTheStep() {
    Command.EmitSignals emit = started();
    WorkflowInstance owner = owner("uid-squatted");
    Signal squatter = SignalEmitter.build(owner, emit, emit.signals().getFirst());
    squatter.getSpec().source.attempt = 7;
    squatter.getSpec().params = Map.of("n", IntNode.valueOf(0));
    client.resource(squatter).create();

    emitter.emit(actor, owner, emit, () -> true);

    assertThat(flow.stepState("make")).isEqualTo(StepState.Failed);
    assertThat(flow.snapshot().steps.get("make").message)
        .startsWith("could not create output signal made (Signal run-1-made-")
        .endsWith("a Signal of that name exists and is not this step attempt's");
    assertThat(emit.path()).isEqualTo(StepPath.of("make"));
  }
}
