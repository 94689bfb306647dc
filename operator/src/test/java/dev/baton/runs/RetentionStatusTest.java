package dev.baton.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.RetentionStatus;
import dev.baton.api.RunStrategyType;
import dev.baton.api.RunSummary;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What retention writes on the Workflow: status.retention folded from each sweep, the back-off
 * after an error, and lastRun/lastSuccess outliving the instances they name.
 */
class RetentionStatusTest {
  static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

  static RetentionSweeper.Sweep sweep(List<String> deleted, String error, boolean backingOff) {
    return new RetentionSweeper.Sweep(List.of(), deleted, error, backingOff, AT, Optional.empty());
  }

  @Test
  void aSweepAddsToTheCountAndNamesWhatItDeleted() {
    RetentionStatus base = new RetentionStatus();
    base.deleted = 7L;
    base.error = "could not delete instance x: 403 forbidden";
    RetentionStatus s = sweep(List.of("a", "b"), null, false).status(base);
    assertThat(s.deleted).isEqualTo(9L);
    assertThat(s.lastDeleted).containsExactly("a", "b");
    assertThat(s.lastDeletionTime).isEqualTo(AT.toString());
    assertThat(s.error).isNull();
    assertThat(base.deleted).as("the base is not changed").isEqualTo(7L);
  }

  @Test
  void nothingDeletedAndNothingWrongLeavesNoStatus() {
    assertThat(sweep(List.of(), null, false).status(null)).isNull();
  }

  @Test
  void anErrorIsKeptWhileBackingOffAndClearedByASweepWithout() {
    RetentionStatus failed =
        sweep(List.of(), "could not delete instance x: 403", false).status(null);
    assertThat(failed.error).contains("403");
    assertThat(failed.errorTime).isEqualTo(AT.toString());
    assertThat(sweep(List.of(), null, true).status(failed).error).contains("403");
    assertThat(sweep(List.of(), null, false).status(failed)).isNull();
  }

  @Test
  void atMostTwentyNamesAreShown() {
    List<String> many = java.util.stream.IntStream.range(0, 50).mapToObj(i -> "r" + i).toList();
    RetentionStatus s = sweep(many, null, false).status(null);
    assertThat(s.deleted).isEqualTo(50L);
    assertThat(s.lastDeleted).hasSize(20).startsWith("r0");
  }

  @Test
  void theBackOffDoublesFrom10sUpTo5m() {
    assertThat(RetentionSweeper.backoff(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(RetentionSweeper.backoff(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(RetentionSweeper.backoff(5)).isEqualTo(Duration.ofSeconds(160));
    assertThat(RetentionSweeper.backoff(6)).isEqualTo(Duration.ofMinutes(5));
    assertThat(RetentionSweeper.backoff(60)).isEqualTo(Duration.ofMinutes(5));
  }

  static RunSummary summary(String name, int createdSecond, int endSecond) {
    RunSummary s = new RunSummary();
    s.name = name;
    s.phase = InstancePhase.Succeeded;
    s.created = AT.plusSeconds(createdSecond).toString();
    s.endTime = AT.plusSeconds(endSecond).toString();
    return s;
  }

  static WorkflowInstance succeeded(String name, int createdSecond, int endSecond) {
    WorkflowInstance i = RetentionRulesTest.run(name, createdSecond, InstancePhase.Succeeded);
    i.getMetadata()
        .setCreationTimestamp(RetentionRulesTest.T0.plusSeconds(createdSecond).toString());
    i.getStatus().endTime = RetentionRulesTest.T0.plusSeconds(endSecond).toString();
    return i;
  }

  @Test
  void lastRunAndLastSuccessOutliveTheirInstancesUntilANewerRunComes() {
    // RetentionRulesTest's instances start at its T0, the same instant as AT.
    WorkflowStatus before = new WorkflowStatus();
    before.lastRun = summary("gone", 100, 110);
    before.lastSuccess = summary("gone", 100, 110);

    WorkflowStatus none = new WorkflowStatus();
    WorkflowRuns.aggregate(none, before, RunStrategyType.Sequential, List.of());
    assertThat(none.lastRun.name).isEqualTo("gone");
    assertThat(none.lastSuccess.name).isEqualTo("gone");

    WorkflowStatus older = new WorkflowStatus();
    WorkflowRuns.aggregate(
        older, before, RunStrategyType.Sequential, List.of(succeeded("older", 50, 60)));
    assertThat(older.lastRun.name).isEqualTo("gone");
    assertThat(older.lastSuccess.name).isEqualTo("gone");

    WorkflowStatus newer = new WorkflowStatus();
    WorkflowRuns.aggregate(
        newer, before, RunStrategyType.Sequential, List.of(succeeded("newer", 200, 210)));
    assertThat(newer.lastRun.name).isEqualTo("newer");
    assertThat(newer.lastRun.created).isEqualTo(AT.plusSeconds(200).toString());
    assertThat(newer.lastSuccess.name).isEqualTo("newer");

    // An instance of the same name still there speaks for itself (restarted, say).
    WorkflowInstance again = RetentionRulesTest.run("gone", 100, InstancePhase.Running);
    WorkflowStatus present = new WorkflowStatus();
    WorkflowRuns.aggregate(present, before, RunStrategyType.Sequential, List.of(again));
    assertThat(present.lastRun.phase).isEqualTo(InstancePhase.Running);
    assertThat(present.lastSuccess).isNull();
  }
}
