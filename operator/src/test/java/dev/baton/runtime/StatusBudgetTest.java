package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.IterationStatus;
import dev.baton.api.Json;
import dev.baton.api.LoopStatus;
import dev.baton.api.RunRecord;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstanceStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusBudgetTest {
  static WorkflowInstanceStatus status(int historyRecords, int iterations, int messageChars) {
    WorkflowInstanceStatus st = new WorkflowInstanceStatus();
    st.phase = InstancePhase.Running;
    st.history = new ArrayList<>();
    for (int k = 0; k < historyRecords; k++) {
      RunRecord r = new RunRecord();
      r.message = "x".repeat(1000);
      st.history.add(r);
    }
    StepStatus loop = new StepStatus();
    loop.state = StepState.Running;
    loop.loop = new LoopStatus();
    loop.loop.active = new LinkedHashMap<>();
    for (int k = 0; k < iterations; k++) {
      IterationStatus it = new IterationStatus();
      it.steps = Map.of("w", Json.MAPPER.getNodeFactory().textNode("y".repeat(1000)));
      loop.loop.active.put(Integer.toString(k), it);
    }
    st.steps.put("l", loop);
    st.message = "m".repeat(messageChars);
    return st;
  }

  static long size(WorkflowInstanceStatus st) {
    return StatusBudget.size(Json.write(st));
  }

  @Test
  void aStatusUnderBudgetIsWrittenAsIs() {
    var st = status(20, 100, 10);
    var fitted = new StatusBudget(1_000_000).fit(st, Json.write(st));
    assertThat(fitted.status()).isSameAs(st);
  }

  @Test
  void historyGoesFirst() {
    var st = status(20, 10, 10);
    var fitted = new StatusBudget(size(st) - 5_000).fit(st, Json.write(st));
    assertThat(fitted.status().history).hasSize(5);
    assertThat(fitted.status().steps.get("l").loop.active).hasSize(10);
    assertThat(fitted.size()).isLessThanOrEqualTo(size(st) - 5_000);
    assertThat(st.history).hasSize(20);
  }

  @Test
  void thenIterationDetailBeyondTheFirstFew() {
    var st = status(20, 100, 10);
    var fitted = new StatusBudget(size(st) - 60_000).fit(st, Json.write(st));
    assertThat(fitted.status().history).hasSize(5);
    assertThat(fitted.status().steps.get("l").loop.active).hasSize(StatusBudget.ITERATIONS_KEPT);
    assertThat(fitted.status().steps.get("l").loop.omitted).isEqualTo(80);
  }

  @Test
  void thenAllOfIt() {
    var st = status(20, 100, 10);
    var fitted = new StatusBudget(5_000).fit(st, Json.write(st));
    assertThat(fitted.status().history).isNull();
    assertThat(fitted.status().steps.get("l").loop.active).isNull();
    assertThat(fitted.status().steps.get("l").loop.omitted).isEqualTo(100);
  }

  @Test
  void whatStillDoesNotFitIsRefused() {
    var st = status(0, 0, 50_000);
    assertThat(new StatusBudget(10_000).fit(st, Json.write(st)).status()).isNull();
  }

  @Test
  void theStatusWrittenInsteadSaysWhyAndIsSmall() {
    var st = status(20, 100, 10);
    var small = StatusBudget.tooLarge(st, "too big", Instant.parse("2024-05-01T00:00:00Z"));
    assertThat(small.phase).isEqualTo(InstancePhase.Failed);
    assertThat(small.message).isEqualTo("too big");
    assertThat(small.conditions)
        .singleElement()
        .satisfies(c -> {
          assertThat(c.getType()).isEqualTo("Completed");
          assertThat(c.getStatus()).isEqualTo("True");
          assertThat(c.getReason()).isEqualTo("StatusTooLarge");
        });
    assertThat(small.steps.get("l").state).isEqualTo(StepState.Running);
    assertThat(small.steps.get("l").loop).isNull();
    assertThat(size(small)).isLessThan(1_000);
  }
}
