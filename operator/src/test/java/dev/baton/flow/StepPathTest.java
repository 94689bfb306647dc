package dev.baton.flow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StepPathTest {
  @Test
  void readsStepsAndIterationsAlternately() {
    StepPath p = StepPath.parse("days.3.inner.0.work");
    assertThat(p.depth()).isEqualTo(2);
    assertThat(p.step(0)).isEqualTo("days");
    assertThat(p.iteration(0)).isEqualTo(3);
    assertThat(p.step(1)).isEqualTo("inner");
    assertThat(p.iteration(1)).isZero();
    assertThat(p.step(2)).isEqualTo("work");
    assertThat(p).hasToString("days.3.inner.0.work");
  }

  @Test
  void aTopLevelStepIsItsId() {
    assertThat(StepPath.parse("load").depth()).isZero();
    assertThat(StepPath.parse("load").step(0)).isEqualTo("load");
  }

  @Test
  void namesNothingWhenAPartIsMissing() {
    assertThat(StepPath.parse("days.3")).isNull();
    assertThat(StepPath.parse("days.3.")).isNull();
    assertThat(StepPath.parse("days..work")).isNull();
    assertThat(StepPath.parse("")).isNull();
    assertThat(StepPath.parse(null)).isNull();
  }

  @Test
  void anIndexThatIsNotANumberIsNone() {
    assertThat(StepPath.parse("days.x.work").iteration(0)).isEqualTo(-1);
    assertThat(StepPath.parse("days.-1.work").iteration(0)).isEqualTo(-1);
  }

  @Test
  void anIterationsStepsShareItsPrefix() {
    assertThat(StepPath.iterationPrefix("days", 3) + "work").isEqualTo("days.3.work");
  }

  @Test
  void ofRejectsTextThatNamesNoPathAndPathsWithTheSameTextAreEqual() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> StepPath.of("days.3"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(StepPath.of(null)).isNull();
    assertThat(StepPath.of("days.3.work")).isEqualTo(StepPath.parse("days.3.work"));
    assertThat(StepPath.of("days.3.work").hashCode())
        .isEqualTo(StepPath.of("days.3.work").hashCode());
    assertThat(StepPath.of("days.3.work").toString()).isEqualTo("days.3.work");
    assertThat(new TimerKey(TimerKey.Kind.RETRY, "days.3.work", 1).path())
        .isEqualTo(StepPath.of("days.3.work"));
  }
}
