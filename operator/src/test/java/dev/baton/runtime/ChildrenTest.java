package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.api.InstancePhase;
import dev.baton.api.Rollup;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.Command;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.JobNames;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildrenTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static WorkflowInstance instance(
      String name, String uid, String workflow, Map<String, String> annotations) {
    WorkflowInstance i = new WorkflowInstance();
    i.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("ns")
            .withUid(uid)
            .withAnnotations(annotations)
            .build());
    i.setSpec(new WorkflowInstanceSpec());
    i.getSpec().workflow = workflow;
    return i;
  }

  private static Command.CreateChild create(String path, int attempt, String workflow) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("date", "2026-01-02");
    params.put("limit", "5");
    return new Command.CreateChild(
        path, attempt, JobNames.of("parent", path, attempt), workflow, params);
  }

  @Test
  void aTopRunsChildIsAtDepthOneWithBothWorkflowsInItsChain() {
    WorkflowInstance parent = instance("parent", "uid-1", "nightly", null);

    WorkflowInstance child = Children.build(parent, create("sub", 2, "load"));

    assertThat(child.getMetadata().getName()).isEqualTo(JobNames.of("parent", "sub", 2));
    assertThat(child.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(child.getMetadata().getLabels())
        .containsEntry(Labels.PARENT, "parent")
        .containsEntry(Labels.STEP, "sub")
        .containsEntry(Labels.ATTEMPT, "2")
        .doesNotContainKey(Labels.INSTANCE);
    assertThat(child.getMetadata().getAnnotations())
        .containsEntry(Labels.STEP_PATH, "sub")
        .containsEntry(Labels.DEPTH, "1")
        .containsEntry(Labels.CALL_CHAIN, "nightly/load");
    var owner = child.getMetadata().getOwnerReferences().getFirst();
    assertThat(owner.getUid()).isEqualTo("uid-1");
    assertThat(owner.getName()).isEqualTo("parent");
    assertThat(owner.getKind()).isEqualTo("WorkflowInstance");
    assertThat(owner.getController()).isTrue();
    assertThat(owner.getBlockOwnerDeletion()).isTrue();
    assertThat(child.getSpec().workflow).isEqualTo("load");
    assertThat(child.getSpec().params)
        .containsExactly(
            Map.entry("date", F.textNode("2026-01-02")), Map.entry("limit", F.textNode("5")));
  }

  @Test
  void aChildsChildGoesOneDeeperAndExtendsTheChain() {
    WorkflowInstance parent =
        instance("parent", "uid-1", "b", Map.of(Labels.DEPTH, "3", Labels.CALL_CHAIN, "a/b/a/b"));

    WorkflowInstance child = Children.build(parent, create("days.3.work", 1, "a"));

    assertThat(child.getMetadata().getAnnotations())
        .containsEntry(Labels.DEPTH, "4")
        .containsEntry(Labels.CALL_CHAIN, "a/b/a/b/a")
        .containsEntry(Labels.STEP_PATH, "days.3.work");
    assertThat(child.getMetadata().getLabels()).containsEntry(Labels.STEP, "days.3.work");
    assertThat(Children.depth(child)).isEqualTo(4);
    assertThat(Children.callChain(child)).containsExactly("a", "b", "a", "b", "a");
  }

  @Test
  void aPathTooLongForALabelIsHashedThereAndKeptWholeInTheAnnotation() {
    String path = "outer.12.middle-loop-with-a-long-name.3.inner_loop.1999.the-actual-work";
    WorkflowInstance child =
        Children.build(instance("parent", "u", "a", null), create(path, 1, "b"));

    String label = child.getMetadata().getLabels().get(Labels.STEP);
    assertThat(label)
        .hasSizeLessThanOrEqualTo(63)
        .startsWith("h-")
        .isEqualTo(Labels.stepLabel(path));
    assertThat(Labels.stepLabel(path + "x")).isNotEqualTo(label);
    assertThat(child.getMetadata().getAnnotations()).containsEntry(Labels.STEP_PATH, path);
    assertThat(Children.observe(child, NOW).orElseThrow().stepId()).isEqualTo(path);
  }

  @Test
  void aRunAUserCreatedIsDepthZeroWithItsOwnWorkflowAsChain() {
    WorkflowInstance top = instance("top", "u", "nightly", null);
    assertThat(Children.depth(top)).isZero();
    assertThat(Children.callChain(top)).containsExactly("nightly");
    assertThat(Children.isChild(top)).isFalse();
  }

  private static WorkflowInstance child(String path, int attempt, InstancePhase phase) {
    WorkflowInstance child =
        Children.build(instance("parent", "uid-1", "a", null), create(path, attempt, "b"));
    if (phase != null) {
      child.setStatus(new WorkflowInstanceStatus());
      child.getStatus().phase = phase;
    }
    return child;
  }

  @Test
  void aSucceededChildReportsItsStepsOutputsByStepId() {
    WorkflowInstance c = child("sub", 1, InstancePhase.Succeeded);
    StepStatus count = new StepStatus();
    count.state = StepState.Succeeded;
    count.outputs = Map.of("rows", F.numberNode(42));
    StepStatus quiet = new StepStatus();
    quiet.state = StepState.Succeeded;
    c.getStatus().steps.put("count", count);
    c.getStatus().steps.put("quiet", quiet);
    c.getStatus().message = "all steps succeeded";
    c.getStatus().rollup = new Rollup();

    FlowEvent.ChildObserved seen = Children.observe(c, NOW).orElseThrow();

    assertThat(seen.stepId()).isEqualTo("sub");
    assertThat(seen.attempt()).isEqualTo(1);
    assertThat(seen.phase()).isEqualTo(InstancePhase.Succeeded);
    assertThat(seen.message()).isEqualTo("all steps succeeded");
    assertThat(seen.outputs()).containsOnlyKeys("count");
    assertThat(seen.outputs().get("count").get("rows").intValue()).isEqualTo(42);
    assertThat(seen.rollup()).isSameAs(c.getStatus().rollup);
    assertThat(seen.at()).isEqualTo(NOW);
  }

  @Test
  void aChildNotYetSucceededReportsNoOutputs() {
    WorkflowInstance c = child("sub", 1, InstancePhase.Failed);
    StepStatus a = new StepStatus();
    a.outputs = Map.of("rows", F.numberNode(1));
    c.getStatus().steps.put("a", a);
    c.getStatus().message = "step \"a\" failed";

    FlowEvent.ChildObserved seen = Children.observe(c, NOW).orElseThrow();

    assertThat(seen.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(seen.message()).isEqualTo("step \"a\" failed");
    assertThat(seen.outputs()).isEmpty();
  }

  @Test
  void aChildWithNoStatusYetIsPending() {
    FlowEvent.ChildObserved seen = Children.observe(child("sub", 1, null), NOW).orElseThrow();
    assertThat(seen.phase()).isEqualTo(InstancePhase.Pending);
    assertThat(seen.outputs()).isEmpty();
    assertThat(seen.rollup()).isNull();
  }

  @Test
  void childrenCountAsTheirAttemptsJobs() {
    List<FlowEvent> jobEvents =
        List.of(
            new FlowEvent.StepLaunched("load", 1, NOW),
            new FlowEvent.WorkloadsObserved(Map.of("load", 1, "sub", 1), NOW));
    List<WorkflowInstance> children =
        List.of(
            child("sub", 2, InstancePhase.Running),
            child("sub", 1, InstancePhase.Failed),
            child("days.0.sub", 1, null));

    List<FlowEvent> events = Children.withChildren(jobEvents, children, NOW);

    assertThat(events.getFirst()).isEqualTo(jobEvents.getFirst());
    assertThat(events).filteredOn(FlowEvent.ChildObserved.class::isInstance).hasSize(3);
    assertThat(events).filteredOn(FlowEvent.WorkloadsObserved.class::isInstance).hasSize(1);
    // Last, as from the Jobs alone: the engine sees every attempt before it judges what is missing.
    assertThat(events.getLast())
        .isEqualTo(
            new FlowEvent.WorkloadsObserved(Map.of("load", 1, "sub", 2, "days.0.sub", 1), NOW));
    assertThat(Children.newestAttempts(Map.of("load", 3), children))
        .isEqualTo(Map.of("load", 3, "sub", 2, "days.0.sub", 1));
  }

  @Test
  void withNoChildrenTheJobsEventsPassUnchanged() {
    List<FlowEvent> jobEvents = List.of(new FlowEvent.WorkloadsObserved(Map.of("load", 1), NOW));
    assertThat(Children.withChildren(jobEvents, List.of(), NOW)).isEqualTo(jobEvents);
  }

  @Test
  void onlyChildrenTheParentOwnsCount() {
    WorkflowInstance parent = instance("parent", "uid-1", "a", null);
    WorkflowInstance mine = child("sub", 1, null);
    WorkflowInstance leftOver = child("sub", 1, null);
    leftOver.getMetadata().getOwnerReferences().getFirst().setUid("uid-of-a-deleted-parent");

    assertThat(Children.ownedBy(parent, List.of(mine, leftOver))).containsExactly(mine);
  }

  @Test
  void anInstanceWithAForgedParentLabelIsNoChild() {
    WorkflowInstance parent = instance("parent", "uid-1", "a", null);
    // A user's own instance, labelled and annotated as a child of "parent", with no owner.
    WorkflowInstance labelsOnly = child("sub", 1, InstancePhase.Succeeded);
    labelsOnly.getMetadata().setOwnerReferences(null);
    // One naming the parent's UID, but not as its controller.
    WorkflowInstance notControlled = child("sub", 1, InstancePhase.Succeeded);
    notControlled.getMetadata().getOwnerReferences().getFirst().setController(null);
    // One whose controller has the parent's UID but is of another kind.
    WorkflowInstance otherKind = child("sub", 1, InstancePhase.Succeeded);
    otherKind.getMetadata().getOwnerReferences().getFirst().setKind("ConfigMap");
    otherKind.getMetadata().getOwnerReferences().getFirst().setApiVersion("v1");

    assertThat(Children.ownedBy(parent, List.of(labelsOnly, notControlled, otherKind))).isEmpty();
    assertThat(Children.parentRef(labelsOnly)).isEmpty();
    assertThat(Children.parentRef(otherKind)).isEmpty();
    assertThat(Children.parentRef(child("sub", 1, null)))
        .get()
        .extracting(r -> r.getUid())
        .isEqualTo("uid-1");
    assertThat(Ownership.unowned(labelsOnly)).isTrue();
    assertThat(Ownership.unowned(child("sub", 1, null))).isFalse();
  }

  @Test
  void aChildMissingItsStepAnnotationIsNotReported() {
    WorkflowInstance c = child("sub", 1, InstancePhase.Running);
    c.getMetadata().getAnnotations().remove(Labels.STEP_PATH);
    assertThat(Children.observe(c, NOW)).isEmpty();
  }
}
