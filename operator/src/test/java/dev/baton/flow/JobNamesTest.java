package dev.baton.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobNamesTest {
  static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

  @Test
  void aNameIsADnsLabelOfAtMost63CharactersForAnyAttempt() {
    for (String path :
        new String[] {
          "a", "load_partitions_daily.389.load", "x".repeat(300), "--__..", "Ünïcödé.3.STEP"
        }) {
      for (int attempt : new int[] {1, 12, Integer.MAX_VALUE}) {
        String name =
            JobNames.of("nightly-backfill-x7k2p-and-a-very-long-instance-name", path, attempt);
        assertThat(name).hasSizeLessThanOrEqualTo(63).matches(DNS_LABEL);
      }
    }
  }

  @Test
  void namesKeepReadablePrefixesTheAttemptAnd80BitsOfHash() {
    String name = JobNames.of("nightly-backfill-x7k2p", "load_partitions_daily.389.load", 2);
    assertThat(name).startsWith("nightly-backfill-load-partitions-d-2-");
    assertThat(name.substring(name.lastIndexOf('-') + 1))
        .hasSize(JobNames.HASH_CHARS)
        .matches("[a-z2-7]+");
    assertThat(JobNames.of("nightly-backfill-x7k2p", "load_partitions_daily.389.load", 2))
        .isEqualTo(name);
  }

  @Test
  void pathsThatShareTheirReadablePrefixGetDistinctNames() {
    String a = JobNames.of("nightly-backfill-x7k2p", "load_partitions_daily.389.load", 1);
    String b = JobNames.of("nightly-backfill-x7k2p", "load_partitions_daily.5102.extract", 1);
    assertThat(a).isNotEqualTo(b);
    assertThat(a.substring(0, a.lastIndexOf('-'))).isEqualTo(b.substring(0, b.lastIndexOf('-')));
  }

  @Test
  void twoHundredThousandIterationPathsOfOneInstanceDoNotCollide() {
    Set<String> names = new HashSet<>();
    for (int k = 0; k < 200_000; k++) {
      String path = "load_partitions_daily." + k + (k % 2 == 0 ? ".load" : ".extract");
      assertThat(names.add(JobNames.of("nightly-backfill-x7k2p", path, 1))).as(path).isTrue();
    }
  }

  @Test
  void theSeparatorKeepsInstanceAndPathApart() {
    assertThat(JobNames.of("ab", "c", 1)).isNotEqualTo(JobNames.of("a", "bc", 1));
  }
}
