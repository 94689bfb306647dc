package dev.baton.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RangeSetTest {
  @Test
  void addingNeighboursFoldsThemIntoOneRange() {
    RangeSet set = new RangeSet();
    for (long v : new long[] {0, 2, 1, 3, 7}) set.add(v);
    assertThat(set.toString()).isEqualTo("0-3,7");
    assertThat(set.size()).isEqualTo(5);
    assertThat(set.nextAbsent(0)).isEqualTo(4);
  }

  @Test
  void readsWhatItWrites() {
    RangeSet set = RangeSet.parse("0-4999,5001,5003-9999");
    assertThat(set.size()).isEqualTo(9998);
    assertThat(set.contains(5001)).isTrue();
    assertThat(set.contains(5002)).isFalse();
    assertThat(set.toString()).isEqualTo("0-4999,5001,5003-9999");
  }

  @Test
  void aRangeThatEndsBeforeItStartsIsRejectedNotCountedAsNegative() {
    assertThatThrownBy(() -> RangeSet.parse("5-3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("5-3");
  }

  @Test
  void blankIsEmpty() {
    assertThat(RangeSet.parse(" ").isEmpty()).isTrue();
    assertThat(RangeSet.parse(null).isEmpty()).isTrue();
  }
}
