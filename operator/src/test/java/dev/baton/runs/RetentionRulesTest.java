package dev.baton.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.RestartRequest;
import dev.baton.api.Retention;
import dev.baton.api.RunStrategyType;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.runs.RetentionRules.Cause;
import dev.baton.runs.RetentionRules.Doomed;
import dev.baton.runs.RetentionRules.Plan;
import dev.baton.runs.RetentionRules.Policy;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Which finished runs retention deletes; RetentionIntegrationTest drives it through the operator.
 */
class RetentionRulesTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final RunStrategyType SEQ = RunStrategyType.Sequential;

  /** An instance created at T0 + {@code second} and, if final, ended 10 seconds later. */
  static WorkflowInstance run(String name, int second, InstancePhase phase) {
    WorkflowInstance i = new WorkflowInstance();
    i.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("ns")
            .withUid("uid-" + name)
            .withResourceVersion("1")
            .withCreationTimestamp(T0.plusSeconds(second).toString())
            .build());
    i.setSpec(new WorkflowInstanceSpec());
    i.getSpec().workflow = "wf";
    if (phase != null) {
      i.setStatus(new WorkflowInstanceStatus());
      i.getStatus().phase = phase;
      if (phase.isFinal()) i.getStatus().endTime = T0.plusSeconds(second + 10).toString();
    }
    return i;
  }

  static Policy keep(Integer succeeded, Integer failed, String ttl) {
    Retention r = new Retention();
    r.succeeded = succeeded == null ? null : new IntOrString(succeeded);
    r.failed = failed == null ? null : new IntOrString(failed);
    r.ttlAfterFinished = ttl;
    return Policy.of(r);
  }

  static List<String> deleted(Plan plan) {
    return plan.delete().stream().map(Doomed::name).toList();
  }

  static Plan plan(Policy policy, List<WorkflowInstance> runs) {
    return RetentionRules.plan(policy, SEQ, runs, T0.plusSeconds(3600));
  }

  @Test
  void keepsTheNewestOfEachKindAndDeletesTheRestOldestFirst() {
    List<WorkflowInstance> runs = new ArrayList<>();
    for (int k = 1; k <= 5; k++) runs.add(run("ok-" + k, k * 100, InstancePhase.Succeeded));
    runs.add(run("bad-1", 150, InstancePhase.Failed));
    runs.add(run("bad-2", 250, InstancePhase.TimedOut));
    runs.add(run("bad-3", 350, InstancePhase.Stopped));

    Plan plan = plan(keep(2, 1, null), runs);

    assertThat(deleted(plan)).containsExactly("ok-1", "bad-1", "ok-2", "bad-2", "ok-3");
    assertThat(plan.delete())
        .filteredOn(d -> d.name().startsWith("ok"))
        .allSatisfy(d -> assertThat(d.cause()).isEqualTo(Cause.SUCCEEDED_COUNT));
    assertThat(plan.delete())
        .filteredOn(d -> d.name().startsWith("bad"))
        .allSatisfy(d -> assertThat(d.cause()).isEqualTo(Cause.FAILED_COUNT));
    assertThat(plan.nextExpiry()).isEmpty();
  }

  @Test
  void theOrderIsTheEndTimeNotTheCreationTime() {
    WorkflowInstance early = run("a-early", 0, InstancePhase.Succeeded);
    early.getStatus().endTime = T0.plusSeconds(500).toString(); // created first, ended last
    WorkflowInstance late = run("b-late", 100, InstancePhase.Succeeded);
    assertThat(deleted(plan(keep(1, 1, null), List.of(early, late)))).containsExactly("b-late");
  }

  @Test
  void equalEndTimesAreOrderedByName() {
    List<WorkflowInstance> runs =
        List.of(
            run("x-2", 0, InstancePhase.Succeeded),
            run("x-1", 0, InstancePhase.Succeeded),
            run("x-3", 0, InstancePhase.Succeeded));
    assertThat(deleted(plan(keep(1, 1, null), runs))).containsExactly("x-1", "x-2");
  }

  @Test
  void aRunWithoutAnEndTimeIsOrderedByItsCreation() {
    WorkflowInstance noEnd = run("no-end", 50, InstancePhase.Failed);
    noEnd.getStatus().endTime = null;
    WorkflowInstance later = run("later", 45, InstancePhase.Failed); // ends at 55
    assertThat(deleted(plan(keep(1, 1, null), List.of(noEnd, later)))).containsExactly("no-end");
  }

  @Test
  void zeroKeepsNoneAndAllKeepsEvery() {
    List<WorkflowInstance> runs =
        List.of(
            run("ok-1", 1, InstancePhase.Succeeded),
            run("ok-2", 2, InstancePhase.Succeeded),
            run("bad-1", 3, InstancePhase.Failed));
    assertThat(deleted(plan(keep(0, null, null), runs))).containsExactly("ok-1", "ok-2");

    Retention all = new Retention();
    all.succeeded = new IntOrString("All");
    all.failed = new IntOrString(0);
    assertThat(deleted(plan(Policy.of(all), runs))).containsExactly("bad-1");
  }

  @Test
  void theDefaultKeeps100OfEachKindAndHasNoTtl() {
    Policy none = Policy.of(null);
    assertThat(none.succeeded()).isEqualTo(OptionalInt.of(100));
    assertThat(none.failed()).isEqualTo(OptionalInt.of(100));
    assertThat(none.ttl()).isEmpty();
    assertThat(Policy.of(new Retention())).isEqualTo(none);

    List<WorkflowInstance> runs = new ArrayList<>();
    for (int k = 0; k < 103; k++) runs.add(run("ok-" + (1000 + k), k, InstancePhase.Succeeded));
    for (int k = 0; k < 100; k++) runs.add(run("bad-" + (1000 + k), k, InstancePhase.Failed));
    assertThat(deleted(plan(none, runs))).containsExactly("ok-1000", "ok-1001", "ok-1002");
  }

  @Test
  void aCountOutsideTheSchemaDeletesNothing() {
    Retention odd = new Retention();
    odd.succeeded = new IntOrString(-1);
    odd.failed = new IntOrString("all");
    odd.ttlAfterFinished = "soon";
    Policy p = Policy.of(odd);
    assertThat(p).isEqualTo(new Policy(OptionalInt.empty(), OptionalInt.empty(), Optional.empty()));
  }

  @Test
  void ttlDeletesWhatEndedLongerAgoAndWakesAtTheNextExpiry() {
    List<WorkflowInstance> runs =
        List.of(
            run("old", 0, InstancePhase.Succeeded), // ended T0+10
            run("mid", 100, InstancePhase.Failed), // ended T0+110
            run("new", 200, InstancePhase.Succeeded)); // ended T0+210
    Plan plan = RetentionRules.plan(keep(null, null, "2m"), SEQ, runs, T0.plusSeconds(230));
    assertThat(deleted(plan)).containsExactly("old", "mid");
    assertThat(plan.delete()).allSatisfy(d -> assertThat(d.cause()).isEqualTo(Cause.TTL));
    assertThat(plan.nextExpiry()).contains(T0.plusSeconds(330));

    // Exactly at the expiry it goes.
    Plan atExpiry = RetentionRules.plan(keep(null, null, "2m"), SEQ, runs, T0.plusSeconds(330));
    assertThat(deleted(atExpiry)).containsExactly("old", "mid", "new");
    assertThat(atExpiry.nextExpiry()).isEmpty();
  }

  @Test
  void countsAndTtlTogetherDeleteWhatEitherSays() {
    List<WorkflowInstance> runs =
        List.of(
            run("a", 0, InstancePhase.Succeeded),
            run("b", 1000, InstancePhase.Succeeded),
            run("c", 2000, InstancePhase.Succeeded),
            run("d", 3000, InstancePhase.Succeeded));
    // Now T0+3600: a (ended 10) and b (1010) are past 30m; c and d within it; keep 3.
    Plan plan = RetentionRules.plan(keep(3, null, "30m"), SEQ, runs, T0.plusSeconds(3600));
    assertThat(plan.delete())
        .extracting(Doomed::name, Doomed::cause)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", Cause.SUCCEEDED_COUNT),
            org.assertj.core.groups.Tuple.tuple("b", Cause.TTL));
    assertThat(plan.nextExpiry()).contains(T0.plusSeconds(2010 + 1800));
  }

  @Test
  void unfinishedRunsAreNeverDeletedNorCounted() {
    List<WorkflowInstance> runs =
        List.of(
            run("pending", 0, null),
            run("queued", 1, InstancePhase.Queued),
            run("running", 2, InstancePhase.Running),
            run("p2", 3, InstancePhase.Pending),
            run("done", 4, InstancePhase.Succeeded));
    Plan plan = RetentionRules.plan(keep(0, 0, "0s"), SEQ, runs, T0.plusSeconds(100));
    assertThat(deleted(plan)).containsExactly("done");
  }

  @Test
  void subworkflowChildrenAreLeftToTheirParent() {
    WorkflowInstance child = run("parent-sub-1-abc", 0, InstancePhase.Succeeded);
    child
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion("baton.dev/v1alpha1")
                    .withKind("WorkflowInstance")
                    .withName("parent")
                    .withUid("uid-parent")
                    .withController(true)
                    .build()));
    WorkflowInstance top = run("top", 5, InstancePhase.Succeeded);
    // Owned by something else than an instance (a Workflow, say): still a top-level run.
    WorkflowInstance ownedByOther = run("owned-by-other", 10, InstancePhase.Succeeded);
    ownedByOther
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion("baton.dev/v1alpha1")
                    .withKind("Workflow")
                    .withName("wf")
                    .withUid("uid-wf")
                    .withController(true)
                    .build()));
    Plan plan = plan(keep(0, 0, null), List.of(child, top, ownedByOther));
    assertThat(deleted(plan)).containsExactly("top", "owned-by-other");
  }

  @Test
  void aRunBeingDeletedIsLeftAlone() {
    WorkflowInstance going = run("going", 0, InstancePhase.Succeeded);
    going.getMetadata().setDeletionTimestamp(T0.plusSeconds(60).toString());
    WorkflowInstance kept = run("kept", 5, InstancePhase.Succeeded);
    // The one being deleted takes no place in the count: "kept" is the newest left.
    assertThat(deleted(plan(keep(1, 1, null), List.of(going, kept)))).isEmpty();
  }

  @Test
  void aRunWithAPendingRestartIsKeptButTakesItsPlace() {
    WorkflowInstance asked = run("asked", 100, InstancePhase.Failed);
    asked.getSpec().restart = new RestartRequest();
    asked.getSpec().restart.run = 2;
    WorkflowInstance older = run("older", 0, InstancePhase.Failed);
    Plan plan = plan(keep(null, 0, "1s"), List.of(asked, older));
    assertThat(deleted(plan)).containsExactly("older");

    // A restart already applied (status.run reached) protects nothing.
    asked.getStatus().run = 2;
    assertThat(deleted(plan(keep(null, 0, null), List.of(asked, older))))
        .containsExactly("older", "asked");
  }

  @Test
  void underStrictSequentialAnUnsuccessfulRunNotUnblockedIsKept() {
    WorkflowInstance blocker = run("blocker", 0, InstancePhase.Failed);
    WorkflowInstance stopped = run("stopped", 50, InstancePhase.Stopped);
    WorkflowInstance unblocked = run("unblocked", 100, InstancePhase.TimedOut);
    unblocked.getSpec().unblock = true;
    WorkflowInstance ok = run("ok", 200, InstancePhase.Succeeded);
    List<WorkflowInstance> runs = List.of(blocker, stopped, unblocked, ok);

    Plan strict =
        RetentionRules.plan(
            keep(0, 0, null), RunStrategyType.StrictSequential, runs, T0.plusSeconds(3600));
    assertThat(deleted(strict)).containsExactly("unblocked", "ok");

    // Under another strategy nothing blocks.
    assertThat(deleted(plan(keep(0, 0, null), runs)))
        .containsExactly("blocker", "stopped", "unblocked", "ok");
  }

  @Test
  void aProtectedRunSetsNoWakeUp() {
    WorkflowInstance blocker = run("blocker", 0, InstancePhase.Failed);
    Plan plan =
        RetentionRules.plan(
            keep(null, null, "1h"),
            RunStrategyType.StrictSequential,
            List.of(blocker),
            T0.plusSeconds(60));
    assertThat(plan.delete()).isEmpty();
    assertThat(plan.nextExpiry()).isEmpty();
  }

  @Test
  void aVeryLongTtlIsAFarExpiry() {
    Plan plan =
        RetentionRules.plan(
            keep(null, null, "999999999d999999999d"),
            SEQ,
            List.of(run("a", 0, InstancePhase.Succeeded)),
            T0);
    assertThat(plan.delete()).isEmpty();
    assertThat(plan.nextExpiry()).isNotEmpty();
    assertThat(Policy.of(null).describe(Cause.SUCCEEDED_COUNT)).isEqualTo("over succeeded: 100");
    assertThat(keep(null, null, "1h30m").describe(Cause.TTL))
        .isEqualTo("past ttlAfterFinished 1h30m");
    assertThat(Duration.between(T0, plan.nextExpiry().get())).isPositive();
  }
}
