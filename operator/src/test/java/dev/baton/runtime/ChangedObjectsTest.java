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
    changed.job("ns/a", "a-job");
    changed.pod("ns/a", "a-pod");
    changed.pod("ns/a", "a-pod");
    changed.job("ns/b", "b-job");
    ChangedObjects.Names a = changed.take("ns/a");
    assertThat(a.jobs()).containsExactly("a-job");
    assertThat(a.pods()).containsExactly("a-pod");
    assertThat(changed.take("ns/a").isEmpty()).isTrue();
    assertThat(changed.size()).isEqualTo(1);
    assertThat(changed.take("ns/b").jobs()).containsExactly("b-job");
    assertThat(changed.size()).isZero();
  }

  @Test
  void noNameRecordedWhileOthersAreTakenIsLost() throws Exception {
    int names = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch go = new CountDownLatch(1);
    var recording =
        pool.submit(() -> {
          go.await();
          for (int i = 0; i < names; i++) changed.pod("ns/a", "p" + i);
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
