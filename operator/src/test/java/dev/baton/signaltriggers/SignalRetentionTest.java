package dev.baton.signaltriggers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.Signal;
import dev.baton.api.SignalSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which Signals retention deletes: beyond the count the oldest first, and past the TTL. */
class SignalRetentionTest {
  static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");

  static Signal signal(String object, Instant created) {
    Signal s = new Signal();
    s.setMetadata(
        new ObjectMetaBuilder()
            .withName(object)
            .withNamespace("ns")
            .withUid("u-" + object)
            .withCreationTimestamp(created.toString())
            .build());
    s.setSpec(new SignalSpec());
    s.getSpec().name = "table-ready";
    return s;
  }

  static List<String> names(List<Signal> signals) {
    return signals.stream().map(s -> s.getMetadata().getName()).toList();
  }

  SignalRetention retention(Duration ttl, int max) {
    return new SignalRetention(null, ttl, max, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void beyondTheCountTheOldestGoFirstByCreationTimeThenName() {
    List<Signal> all = new ArrayList<>();
    // Name order differs from arrival order: "z" is the oldest, "a" and "b" tie on the second.
    all.add(signal("z", NOW.minusSeconds(30)));
    all.add(signal("b", NOW.minusSeconds(20)));
    all.add(signal("a", NOW.minusSeconds(20)));
    all.add(signal("c", NOW.minusSeconds(10)));
    all.add(signal("d", NOW));
    Collections.shuffle(all, new java.util.Random(7));

    assertThat(names(SignalRetention.overCount(all, 3))).containsExactly("z", "a");
    assertThat(names(SignalRetention.overCount(all, 1))).containsExactly("z", "a", "b", "c");
  }

  @Test
  void withinTheCountOrWithoutOneNothingGoes() {
    List<Signal> all = List.of(signal("a", NOW.minusSeconds(5)), signal("b", NOW));
    assertThat(SignalRetention.overCount(all, 2)).isEmpty();
    assertThat(SignalRetention.overCount(all, 3)).isEmpty();
    assertThat(SignalRetention.overCount(all, 0)).as("0: no limit").isEmpty();
    assertThat(SignalRetention.overCount(List.of(), 1)).isEmpty();
  }

  @Test
  void aSignalExpiresOnceItsAgeReachesTheTtl() {
    SignalRetention r = retention(Duration.ofHours(1), 0);
    assertThat(r.expired(signal("old", NOW.minus(Duration.ofHours(2))))).isTrue();
    assertThat(r.expired(signal("exact", NOW.minus(Duration.ofHours(1))))).isTrue();
    assertThat(r.expired(signal("young", NOW.minus(Duration.ofMinutes(59))))).isFalse();
    assertThat(r.timeLeft(signal("young", NOW.minus(Duration.ofMinutes(59)))))
        .contains(Duration.ofMinutes(1));
  }

  @Test
  void withoutATtlNoSignalExpires() {
    SignalRetention r = retention(null, 0);
    assertThat(r.expired(signal("ancient", Instant.EPOCH))).isFalse();
    assertThat(r.timeLeft(signal("ancient", Instant.EPOCH))).isEmpty();
    assertThat(r.deleteIfExpired(signal("ancient", Instant.EPOCH))).isFalse();
  }
}
