package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChangedObjectsTest {
  private final ChangedObjects changed = new ChangedObjects();

  @Test
  void takeReturnsWhatWasRecordedForTheInstanceOnceAndForgetsIt() {
    changed.job("ns/a", "a-job", true);
    changed.pod("ns/a", "a-pod", false);
    changed.pod("ns/a", "a-pod", true);
    changed.job("ns/b", "b-job", false);
    ChangedObjects.Names a = changed.take("ns/a");
    assertThat(a.jobs()).containsExactly("a-job");
    assertThat(a.pods()).containsExactly("a-pod");
    assertThat(changed.take("ns/a").isEmpty()).isTrue();
    assertThat(changed.size()).isEqualTo(1);
    assertThat(changed.take("ns/b").jobs()).containsExactly("b-job");
    assertThat(changed.size()).isZero();
  }

  @Test
  void theTimeOfTheFirstChangeThatWokeTheInstanceIsKeptUntilTaken() throws Exception {
    changed.job("ns/a", "a-job", false);
    assertThat(changed.take("ns/a").woke()).as("no change woke it").isFalse();

    changed.job("ns/a", "a-job", false);
    long before = System.nanoTime();
    changed.pod("ns/a", "a-pod", true);
    long after = System.nanoTime();
    Thread.sleep(5);
    changed.pod("ns/a", "b-pod", true);
    ChangedObjects.Names a = changed.take("ns/a");
    assertThat(a.wokenAt()).as("the first waking change's time").isBetween(before, after);
    assertThat(a.jobs()).containsExactly("a-job");
    assertThat(a.pods()).containsExactlyInAnyOrder("a-pod", "b-pod");

    long next = System.nanoTime();
    changed.pod("ns/a", "a-pod", true);
    assertThat(changed.take("ns/a").wokenAt())
        .as("counted again after a take")
        .isGreaterThanOrEqualTo(next);
  }

  @Test
  void noNameRecordedWhileOthersAreTakenIsLost() throws Exception {
    int names = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch go = new CountDownLatch(1);
    var recording =
        pool.submit(() -> {
          go.await();
          for (int i = 0; i < names; i++) changed.pod("ns/a", "p" + i, true);
          return null;
        });
    java.util.Set<String> seen = new java.util.HashSet<>();
    go.countDown();
    while (!recording.isDone()) seen.addAll(changed.take("ns/a").pods());
    recording.get();
    seen.addAll(changed.take("ns/a").pods());
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).hasSize(names);
  }
}
