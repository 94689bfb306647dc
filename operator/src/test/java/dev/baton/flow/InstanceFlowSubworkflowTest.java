package dev.baton.flow;

import static dev.baton.flow.FlowHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.baton.api.InstancePhase;
import dev.baton.api.Rollup;
import dev.baton.api.StepState;
import dev.baton.flow.Command.CreateChild;
import dev.baton.flow.Command.StopChild;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Subworkflow steps: a child instance per attempt, its outcome taken as the step's. */
class InstanceFlowSubworkflowTest {
  static final String YAML =
      """
      params: [{name: region, default: eu}]
      steps:
        - id: load
          type: subworkflow
          retry: {userErrors: 1, backoff: {type: fixed, delay: 10s}}
          subworkflow: {workflow: nightly, mode: %s, params: {region: "${params.region}", day: "2024-01-01"}}
        - {id: after, dependsOn: [load], job: {image: busybox, args: ["${steps.load.outputs}"]}}
      """;

  static List<CreateChild> children(List<Command> out) {
    return out.stream().filter(CreateChild.class::isInstance).map(CreateChild.class::cast).toList();
  }

  static FlowEvent.ChildObserved child(
      int attempt, InstancePhase phase, String message, Map<String, JsonNode> outputs, double t) {
    return new FlowEvent.ChildObserved("load", attempt, phase, message, outputs, null, at(t));
  }

  final FlowHarness run = new FlowHarness(YAML.formatted("sync"));

  @Test
  void aLaunchAsksForTheChildWithItsRenderedParams() {
    CreateChild c = children(run.start()).getFirst();
    assertThat(c.stepId()).isEqualTo("load");
    assertThat(c.attempt()).isEqualTo(1);
    assertThat(c.childName()).isEqualTo(JobNames.of(FlowHarness.INSTANCE, "load", 1));
    assertThat(c.workflow()).isEqualTo("nightly");
    assertThat(c.params())
        .containsExactly(Map.entry("region", "eu"), Map.entry("day", "2024-01-01"));
    assertThat(run.step("load").state).isEqualTo(StepState.Launching);
    assertThat(run.step("load").child).isEqualTo(c.childName());
  }

  @Test
  void syncWaitsForTheChildAndTakesItsOutputs() {
    run.start();
    run.launched("load", 1, 1);
    assertThat(run.step("load").state).isEqualTo(StepState.Running);
    run.handle(child(1, InstancePhase.Running, null, Map.of(), 2));
    assertThat(run.step("load").state).isEqualTo(StepState.Running);
    List<Command> out =
        run.handle(
            child(1, InstancePhase.Succeeded, "done", Map.of("rows", IntNode.valueOf(5)), 3));
    assertThat(run.step("load").state).isEqualTo(StepState.Succeeded);
    assertThat(run.step("load").outputs).containsEntry("rows", IntNode.valueOf(5));
    assertThat(FlowHarness.creates(out).getFirst().args()).containsExactly("{\"rows\":5}");
  }

  @Test
  void aFailedChildIsAUserErrorAndEachRetryIsANewChild() {
    run.start();
    run.launched("load", 1, 1);
    run.handle(child(1, InstancePhase.Failed, "step \"x\" failed", Map.of(), 2));
    assertThat(run.step("load").state).isEqualTo(StepState.Retrying);
    assertThat(run.step("load").userErrors).isEqualTo(1);
    assertThat(run.step("load").message)
        .contains(
            "child " + JobNames.of(FlowHarness.INSTANCE, "load", 1) + " Failed: step \"x\" failed");
    List<CreateChild> retry = children(run.fire(TimerKey.Kind.RETRY, "load", 1, 12));
    assertThat(retry)
        .singleElement()
        .satisfies(c -> {
          assertThat(c.attempt()).isEqualTo(2);
          assertThat(c.childName()).isEqualTo(JobNames.of(FlowHarness.INSTANCE, "load", 2));
        });
    // The old child's late report changes nothing.
    assertThat(run.handle(child(1, InstancePhase.Succeeded, null, Map.of(), 13))).isEmpty();
    run.launched("load", 2, 13);
    run.handle(child(2, InstancePhase.TimedOut, "the run passed its timeout", Map.of(), 14));
    assertThat(run.step("load").state).isEqualTo(StepState.Failed);
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Failed);
  }

  @Test
  void asyncSucceedsOnceTheChildExists() {
    FlowHarness async = new FlowHarness(YAML.formatted("async"));
    async.start();
    List<Command> out = async.launched("load", 1, 1);
    assertThat(async.step("load").state).isEqualTo(StepState.Succeeded);
    assertThat(async.step("load").outputs.get("child").asText())
        .isEqualTo(JobNames.of(FlowHarness.INSTANCE, "load", 1));
    assertThat(FlowHarness.created(out)).containsExactly("after#1");
  }

  @Test
  void stopStopsTheChild() {
    run.start();
    run.launched("load", 1, 1);
    List<Command> out = run.stop(5);
    assertThat(out)
        .contains(new StopChild("load", 1, JobNames.of(FlowHarness.INSTANCE, "load", 1)));
    assertThat(run.flow.phase()).isEqualTo(InstancePhase.Stopped);
  }

  @Test
  void aChildSeenThenMissingIsAPlatformFailureOnceTheApiServerConfirmsItGone() {
    run.start();
    run.handle(new FlowEvent.WorkloadsObserved(Map.of("load", 1), at(1)));
    assertThat(run.step("load").state).isEqualTo(StepState.Running);
    // One snapshot without the child proves nothing: the engine asks the API server.
    assertThat(run.handle(new FlowEvent.WorkloadsObserved(Map.of(), at(2))))
        .containsExactly(
            new Command.ConfirmGone("load", 1, JobNames.of(FlowHarness.INSTANCE, "load", 1), true));
    assertThat(run.step("load").state).isEqualTo(StepState.Running);
    run.handle(new FlowEvent.WorkloadGone("load", 1, at(2.1)));
    assertThat(run.step("load").state).isEqualTo(StepState.Retrying);
    assertThat(run.step("load").platformErrors).isEqualTo(1);
  }

  @Test
  void theChildsRollupCountsInTheParents() {
    run.start();
    Rollup r = new Rollup();
    r.states = Map.of("Succeeded", 3L, "Running", 2L);
    run.handle(
        new FlowEvent.ChildObserved("load", 1, InstancePhase.Running, null, Map.of(), r, at(1)));
    Rollup mine = run.status().rollup;
    assertThat(mine.total).isEqualTo(6); // the child's 5 and the job step after it
    assertThat(mine.done).isEqualTo(3);
    assertThat(mine.states).containsEntry("Waiting", 1L).containsEntry("Running", 2L);
    assertThat(run.status().activeChildren).isEqualTo(1);
  }
}
