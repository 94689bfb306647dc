package dev.baton.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.StepState;
import dev.baton.dag.Specs;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameTest {
  final Frame frame =
      new Frame(
          Specs.compile(
              """
              steps:
                - {id: a, job: {image: busybox}}
                - {id: b, dependsOn: [a], job: {image: busybox}}
              """),
          null,
          0,
          "",
          Map.of(),
          Map.of(),
          null);

  @Test
  void countsActiveAndFinishedStepsAsTheyMove() {
    frame.moveTo(0, StepState.Launching);
    frame.moveTo(0, StepState.Running);
    assertThat(frame.active).isEqualTo(1);
    frame.moveTo(0, StepState.Retrying);
    assertThat(frame.active).isEqualTo(1);
    frame.moveTo(0, StepState.Succeeded);
    frame.moveTo(1, StepState.Skipped);
    assertThat(frame.active).isZero();
    assertThat(frame.finished).isEqualTo(2);
  }

  @Test
  void aStepThatEndedOrWaitsToRetryIsVisibleToExpressions() {
    frame.attempt[0] = 1;
    frame.moveTo(0, StepState.Retrying);
    assertThat(frame.stepsScope.get("a"))
        .isEqualTo(Map.of("state", "Retrying", "attempt", 1L, "outputs", Map.of()));
    frame.moveTo(0, StepState.Running);
    frame.moveTo(0, StepState.Failed);
    assertThat(((Map<?, ?>) frame.stepsScope.get("a")).get("state")).isEqualTo("Failed");
  }

  @Test
  void locatesOnlyOccurrencesUnderWay() {
    assertThat(frame.locate("b")).isEqualTo(new Occurrence(frame, 1));
    assertThat(frame.locate("nope")).isNull();
    assertThat(frame.locate("a.0.x")).isNull();
    assertThat(frame.locate((StepPath) null)).isNull();
  }
}
