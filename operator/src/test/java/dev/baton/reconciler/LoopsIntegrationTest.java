package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.LoopStatus;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Loops through the real operator, combined with the other features: restarts of the instance and
 * of the operator, skip, the step concurrency cap. Every Job Baton creates is counted by its step
 * path and attempt, since a loop iteration run twice is the bug these tests look for.
 */
class LoopsIntegrationTest extends CountedJobsIntegrationTest {

  @Test
  void restartFromIncompleteRunsOnlyTheFailedIterationsOfAContinueLoop() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "cont",
            """
            - id: days
              type: foreach
              foreach:
                over: [{name: n, values: [a, b, c, d, e, f]}]
                concurrency: 3
                onIterationFailure: continue
              steps:
                - id: work
                  retry: {userErrors: 0}
                  job: {image: busybox}
                - id: after
                  dependsOn: [work]
                  job: {image: busybox}
            - id: end
              dependsOn: [days]
              job: {image: busybox}
            """));
    // Iterations 1 and 4 fail the first time their work runs, and pass the second time.
    Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    cluster.kubelet.otherwise(a ->
        (a.step().equals("days.1.work") || a.step().equals("days.4.work"))
                && failedOnce.add(a.step())
            ? new Behavior.Fail(3, "bad day")
            : null);
    cluster.apply(Cluster.instanceYaml("cont-1", "cont"));
    WorkflowInstance run1 = cluster.awaitFinal("cont-1", WAIT);
    assertThat(run1.getStatus().phase).isEqualTo(InstancePhase.Failed);
    LoopStatus loop1 = run1.getStatus().steps.get("days").loop;
    assertThat(loop1.succeeded).isEqualTo("0,2-3,5");
    assertThat(loop1.unsuccessful).isEqualTo("1,4");
    assertThat(run1.getStatus().steps.get("end").state).isIn(StepState.Stopped, StepState.Waiting);
    Map<String, Integer> expected1 = new TreeMap<>();
    for (int i = 0; i < 6; i++) expected1.put("days." + i + ".work#1", 1);
    for (int i : new int[] {0, 2, 3, 5}) expected1.put("days." + i + ".after#1", 1);
    assertThat(creations("cont-1", expected1.size())).isEqualTo(expected1);
    created.clear();

    edit("cont-1", i -> i.getSpec().restart = restart(2, null, null));
    WorkflowInstance run2 = awaitRun("cont-1", 2, InstancePhase.Succeeded);

    LoopStatus loop2 = run2.getStatus().steps.get("days").loop;
    assertThat(loop2.succeeded).isEqualTo("0-5");
    assertThat(loop2.unsuccessful).isNull();
    assertThat(run2.getStatus().steps.get("days").state).isEqualTo(StepState.Succeeded);
    assertThat(run2.getStatus().steps.get("end").state).isEqualTo(StepState.Succeeded);
    // Only the failed iterations ran again, each step once, from attempt 1; then the step after.
    Map<String, Integer> expected2 =
        Map.of(
            "days.1.work#1",
            1,
            "days.1.after#1",
            1,
            "days.4.work#1",
            1,
            "days.4.after#1",
            1,
            "end#1",
            1);
    assertThat(creations("cont-1", expected2.size())).isEqualTo(new TreeMap<>(expected2));
    assertNoLateCreations("cont-1", new TreeMap<>(expected2), Duration.ofMillis(500));
    assertThat(run2.getStatus().rollup).isNotNull();
  }

  static String slow(String d) {
    return "{image: busybox, podTemplate: {metadata: {annotations: {baton.dev/fake-duration: "
        + d
        + "}}}}";
  }

  /** Stops the operator, lets Jobs go on finishing without it for a while, and starts another. */
  void restartOperator() {
    cluster.stopOperator();
    sleep(400);
    cluster.startOperator();
  }

  @Test
  void anOperatorRestartedInTheMiddleOfANestedForeachRunsEveryIterationOnce() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "nest",
            """
            - id: outer
              type: foreach
              foreach:
                over: [{name: x, values: [a, b, c, d]}]
                concurrency: 2
              steps:
                - id: inner
                  type: foreach
                  foreach:
                    over: [{name: y, expr: "[1, 2, 3, 4, 5]"}]
                    concurrency: 2
                  steps:
                    - id: work
                      job: %s
            - id: end
              dependsOn: [outer]
              job: {image: busybox}
            """
                .formatted(slow("150ms"))));
    cluster.apply(Cluster.instanceYaml("nest-1", "nest"));
    Cluster.await(
        "outer iteration 0 done and more under way",
        () -> cluster.instance("nest-1"),
        i ->
            i.getStatus() != null
                && i.getStatus().steps.get("outer") != null
                && i.getStatus().steps.get("outer").loop != null
                && i.getStatus().steps.get("outer").loop.succeeded != null,
        WAIT);
    restartOperator();

    WorkflowInstance done = cluster.awaitFinal("nest-1", WAIT);
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    LoopStatus outer = done.getStatus().steps.get("outer").loop;
    assertThat(outer.succeeded).isEqualTo("0-3");
    assertThat(outer.unsuccessful).isNull();
    assertThat(outer.active).isNullOrEmpty();
    Map<String, Integer> expected = new TreeMap<>();
    for (int o = 0; o < 4; o++) {
      for (int i = 0; i < 5; i++) expected.put("outer." + o + ".inner." + i + ".work#1", 1);
    }
    expected.put("end#1", 1);
    assertThat(creations("nest-1", expected.size())).isEqualTo(expected);
    assertNoLateCreations("nest-1", expected, Duration.ofMillis(300));
    assertThat(done.getStatus().rollup.states).containsEntry("Succeeded", 21L);
  }

  @Test
  void anOperatorRestartedInTheMiddleOfAWhileLoopRunsEveryIterationOnce() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "poll",
            """
            - id: wait
              type: while
              while:
                condition: loop.index < 6
                maxIterations: 10
              steps:
                - id: a
                  job: %s
                - id: b
                  dependsOn: [a]
                  job: %s
            """
                .formatted(slow("400ms"), slow("400ms"))));
    cluster.apply(Cluster.instanceYaml("poll-1", "poll"));
    // Status writes come at most once a second, so the loop is slow enough (about 5 s) to be
    // caught in its middle: at least two iterations done, the run still going.
    Cluster.await(
        "two iterations done",
        () -> cluster.instance("poll-1"),
        i ->
            i.getStatus() != null
                && i.getStatus().phase == InstancePhase.Running
                && i.getStatus().steps.get("wait") != null
                && i.getStatus().steps.get("wait").loop != null
                && i.getStatus().steps.get("wait").loop.states != null
                && i.getStatus().steps.get("wait").loop.states.getOrDefault("Succeeded", 0L) >= 2,
        WAIT);
    restartOperator();

    WorkflowInstance done = cluster.awaitFinal("poll-1", WAIT);
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    LoopStatus loop = done.getStatus().steps.get("wait").loop;
    assertThat(loop.succeeded).isEqualTo("0-5");
    assertThat(loop.total).isEqualTo(6L);
    Map<String, Integer> expected = new TreeMap<>();
    for (int i = 0; i < 6; i++) {
      expected.put("wait." + i + ".a#1", 1);
      expected.put("wait." + i + ".b#1", 1);
    }
    assertThat(creations("poll-1", expected.size())).isEqualTo(expected);
    assertNoLateCreations("poll-1", expected, Duration.ofMillis(300));
  }

  @Test
  void skippingAnInnerStepOfAForeachSkipsItInTheRunningAndLaterIterations() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "skp",
            """
            - id: days
              type: foreach
              foreach:
                over: [{name: n, expr: "[0, 1, 2, 3, 4, 5]"}]
                concurrency: 2
              steps:
                - id: load
                  job: {image: busybox}
                - id: check
                  dependsOn: [load]
                  job: {image: busybox}
                - id: publish
                  dependsOn: [check]
                  job: {image: busybox}
            """));
    // check hangs wherever it runs: only the skip gets the loop past it.
    cluster.kubelet.otherwise(a -> a.step().endsWith(".check") ? new Behavior.Hang() : null);
    cluster.apply(Cluster.instanceYaml("skp-1", "skp"));
    creations("skp-1", 4); // load and check of iterations 0 and 1
    Cluster.await(
        "check running in iterations 0 and 1",
        () -> created.keys(),
        k -> k.contains("skp-1/days.0.check#1") && k.contains("skp-1/days.1.check#1"),
        WAIT);

    client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .withName("skp-1")
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"skip\":[\"check\"]}}");
    WorkflowInstance done = cluster.awaitFinal("skp-1", WAIT);
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    assertThat(done.getStatus().steps.get("days").loop.succeeded).isEqualTo("0-5");
    // The running checks' Jobs are deleted; no later iteration launched one.
    assertThat(cluster.jobs("skp-1"))
        .extracting(j -> j.getMetadata().getAnnotations().get(Labels.STEP_PATH))
        .noneMatch(p -> p.endsWith(".check"));
    Map<String, Integer> seen = creations("skp-1", 0);
    assertThat(seen.keySet())
        .filteredOn(k -> k.contains(".check#"))
        .containsExactlyInAnyOrder("days.0.check#1", "days.1.check#1");
    for (int i = 0; i < 6; i++) {
      assertThat(seen)
          .containsEntry("days." + i + ".load#1", 1)
          .containsEntry("days." + i + ".publish#1", 1);
    }
    assertThat(done.getStatus().rollup.states)
        .containsEntry("Skipped", 6L)
        .containsEntry("Succeeded", 12L);
  }

  static boolean waitsForAPermit(WorkflowInstance i) {
    if (i.getStatus() == null
        || i.getStatus().steps.get("many") == null
        || i.getStatus().steps.get("many").loop == null
        || i.getStatus().steps.get("many").loop.active == null) {
      return false;
    }
    return i.getStatus().steps.get("many").loop.active.values().stream()
        .anyMatch(it ->
            it.steps != null
                && it.steps
                    .toString()
                    .contains("waiting for a permit: 3 of 3 steps running (stepConcurrency)"));
  }

  @Test
  void stepConcurrencyCapsTheIterationsOfAWiderForeach() {
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: capped
        spec:
          stepConcurrency: 3
          steps:
            - id: many
              type: foreach
              foreach:
                over: [{name: n, expr: "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"}]
                concurrency: 8
              steps:
                - id: work
                  job: %s
        """
            .formatted(slow("250ms")));
    // Each Job runs from its creation to its pod's end, in the API server's own order: the mock
    // server's resourceVersions count every write, so overlaps are measured exactly.
    Map<String, Long> begins = new ConcurrentHashMap<>();
    Map<String, Long> ends = new ConcurrentHashMap<>();
    Watch jobs =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(Cluster.NS)
            .withLabel(Labels.INSTANCE, "capped-1")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    if (action == Action.ADDED)
                      begins.put(
                          job.getMetadata().getName(),
                          Long.parseLong(job.getMetadata().getResourceVersion()));
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    Watch pods =
        client
            .pods()
            .inNamespace(Cluster.NS)
            .withLabel(Labels.INSTANCE, "capped-1")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(
                      Action action, io.fabric8.kubernetes.api.model.Pod pod) {
                    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
                    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                      ends.putIfAbsent(
                          pod.getMetadata().getLabels().get("job-name"),
                          Long.parseLong(pod.getMetadata().getResourceVersion()));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    cluster.apply(Cluster.instanceYaml("capped-1", "capped"));
    AtomicBoolean sawWaiting = new AtomicBoolean();
    // Polled often, to catch an iteration's step while it waits for a permit.
    WorkflowInstance i =
        Awaitility.await("capped-1 in a final phase")
            .atMost(WAIT)
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(15))
            .pollInSameThread()
            .until(
                () -> {
                  WorkflowInstance seen = cluster.instance("capped-1");
                  if (waitsForAPermit(seen)) sawWaiting.set(true);
                  return seen;
                },
                seen ->
                    seen.getStatus() != null
                        && seen.getStatus().phase != null
                        && seen.getStatus().phase.isFinal());
    jobs.close();
    pods.close();
    assertThat(i.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(ends.keySet()).containsExactlyInAnyOrderElementsOf(begins.keySet()).hasSize(12);
    java.util.TreeMap<Long, Integer> sweep = new java.util.TreeMap<>();
    begins.values().forEach(rv -> sweep.merge(rv, 1, Integer::sum));
    ends.values().forEach(rv -> sweep.merge(rv, -1, Integer::sum));
    int running = 0;
    int most = 0;
    for (int d : sweep.values()) {
      running += d;
      most = Math.max(most, running);
    }
    assertThat(most).as("Jobs running at once").isEqualTo(3);
    assertThat(sawWaiting.get()).as("an iteration's step showed it waits for a permit").isTrue();
    Map<String, Integer> expected = new TreeMap<>();
    for (int n = 0; n < 12; n++) expected.put("many." + n + ".work#1", 1);
    assertThat(creations("capped-1", 12)).isEqualTo(expected);
  }

  /**
   * Iterations of the scale test: a multiple of 50, the product of two loop params. Not 3000: the
   * fake kubelet makes seven requests per Job and the mock server answers about 100 a second on a
   * shared two-core machine, so 3000 one-step iterations take over three minutes (the operator
   * itself is not the bottleneck: a thread dump shows it idle, waiting for Job events). The
   * 100,000-iteration status bound is EngineBenchmark's; this test checks the operator's writes.
   */
  static final int SCALE = 500;

  /** The CEL list [0, 1, ..., n - 1]. */
  static String list(int n) {
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(Integer::toString)
        .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
  }

  @Test
  void aForeachOfThousandsOfIterationsSucceedsWithItsStatusUnder256KbAtEveryWrite() {
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: wide
        spec:
          stepConcurrency: 200
          steps:
            - id: many
              type: foreach
              foreach:
                over: [{name: a, expr: "%s"}, {name: b, expr: "%s"}]
                concurrency: 200
              steps:
                - id: work
                  job: {image: busybox, args: ["${loop.a}-${loop.b}"]}
        """
            .formatted(list(SCALE / 50), list(50)));
    java.util.concurrent.atomic.AtomicInteger largest =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger writes =
        new java.util.concurrent.atomic.AtomicInteger();
    Watch sizes =
        client
            .resources(WorkflowInstance.class)
            .inNamespace(Cluster.NS)
            .withName("wide-1")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, WorkflowInstance i) {
                    writes.incrementAndGet();
                    largest.accumulateAndGet(dev.baton.api.Json.write(i).length(), Math::max);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    long t0 = System.nanoTime();
    cluster.apply(Cluster.instanceYaml("wide-1", "wide"));
    WorkflowInstance done = cluster.awaitFinal("wide-1", Duration.ofSeconds(90));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    sizes.close();
    System.out.printf(
        "%d iterations in %d ms; %d instance writes seen, the largest %d bytes%n",
        SCALE, ms, writes.get(), largest.get());
    assertThat(done.getStatus().phase)
        .as(done.getStatus().message)
        .isEqualTo(InstancePhase.Succeeded);
    LoopStatus loop = done.getStatus().steps.get("many").loop;
    assertThat(loop.succeeded).isEqualTo("0-" + (SCALE - 1));
    assertThat(done.getStatus().rollup.states).isEqualTo(Map.of("Succeeded", (long) SCALE));
    assertThat(writes.get()).as("status writes observed").isGreaterThan(3);
    assertThat(largest.get()).as("largest instance seen, bytes").isLessThan(256 * 1024);
    Map<String, Integer> seen = creations("wide-1", SCALE);
    assertThat(seen).hasSize(SCALE).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
  }

  @Test
  void restartFromIncompleteGoesOnWithAWhileLoopFromItsFailedIteration() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "again",
            """
            - id: wait
              type: while
              while:
                condition: loop.index < 5
                maxIterations: 10
              steps:
                - id: poll
                  retry: {userErrors: 0}
                  job: {image: busybox}
            """));
    Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    cluster.kubelet.otherwise(a ->
        a.step().equals("wait.3.poll") && failedOnce.add(a.step())
            ? new Behavior.Fail(1, "no")
            : null);
    cluster.apply(Cluster.instanceYaml("again-1", "again"));
    WorkflowInstance run1 = cluster.awaitFinal("again-1", WAIT);
    assertThat(run1.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(run1.getStatus().steps.get("wait").loop.succeeded).isEqualTo("0-2");
    creations("again-1", 4);
    created.clear();

    edit("again-1", i -> i.getSpec().restart = restart(2, null, null));
    WorkflowInstance run2 = awaitRun("again-1", 2, InstancePhase.Succeeded);
    assertThat(run2.getStatus().steps.get("wait").loop.succeeded).isEqualTo("0-4");
    assertThat(run2.getStatus().steps.get("wait").loop.total).isEqualTo(5L);
    Map<String, Integer> expected = new TreeMap<>(Map.of("wait.3.poll#1", 1, "wait.4.poll#1", 1));
    assertThat(creations("again-1", 2)).isEqualTo(expected);
    assertNoLateCreations("again-1", expected, Duration.ofMillis(300));
  }
}
