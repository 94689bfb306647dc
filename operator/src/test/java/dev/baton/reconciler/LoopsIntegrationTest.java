package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.LoopStatus;
import dev.baton.api.RestartFrom;
import dev.baton.api.RestartRequest;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Loops through the real operator, combined with the other features: restarts of the instance and
 * of the operator, skip, the step concurrency cap. Every Job Baton creates is counted by its step
 * path and attempt, since a loop iteration run twice is the bug these tests look for.
 */
@EnableKubernetesMockClient(crud = true)
class LoopsIntegrationTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(40);

  Cluster cluster;
  /** Job creations seen by the API server, by "instance/path#attempt". */
  final Map<String, Integer> created = new ConcurrentHashMap<>();
  Watch watch;

  @BeforeEach
  void start() {
    client.batch().v1().jobs().inNamespace(Cluster.NS).delete();
    cluster = new Cluster(client).startOperator();
    watch = client.batch().v1().jobs().inNamespace(Cluster.NS).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Job job) {
        if (action == Action.ADDED) created.merge(key(job), 1, Integer::sum);
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  @AfterEach
  void stop() {
    watch.close();
    cluster.close();
  }

  static String key(Job job) {
    var m = job.getMetadata();
    return m.getLabels().get("baton.dev/instance") + "/" + m.getAnnotations().get("baton.dev/step-path") + "#"
        + m.getLabels().get("baton.dev/attempt");
  }

  /** The Job creations of one instance, "path#attempt" to count, once they are {@code n}. */
  Map<String, Integer> creations(String instance, int n) {
    return Cluster.await("" + n + " Job creations of " + instance, () -> {
      Map<String, Integer> m = new TreeMap<>();
      created.forEach((k, v) -> {
        if (k.startsWith(instance + "/")) m.put(k.substring(instance.length() + 1), v);
      });
      return m;
    }, m -> m.values().stream().mapToInt(Integer::intValue).sum() >= n, WAIT);
  }

  WorkflowInstance edit(String name, Consumer<WorkflowInstance> change) {
    return client.resources(WorkflowInstance.class).inNamespace(Cluster.NS).withName(name).edit(i -> {
      change.accept(i);
      return i;
    });
  }

  static RestartRequest restart(int run, RestartFrom from, String step) {
    RestartRequest r = new RestartRequest();
    r.run = run;
    r.from = from;
    r.step = step;
    return r;
  }

  WorkflowInstance awaitRun(String name, int run, InstancePhase phase) {
    return Cluster.await(
        "run " + run + " of " + name + " " + phase,
        () -> cluster.instance(name),
        i -> i.getStatus() != null && Integer.valueOf(run).equals(i.getStatus().run) && i.getStatus().phase == phase,
        WAIT);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void restartFromIncompleteRunsOnlyTheFailedIterationsOfAContinueLoop() {
    cluster.apply(OperatorIntegrationTest.workflow("cont", """
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
    cluster.kubelet.otherwise(a -> (a.step().equals("days.1.work") || a.step().equals("days.4.work")) && failedOnce.add(a.step())
        ? new Behavior.Fail(3, "bad day") : null);
    cluster.apply(OperatorIntegrationTest.run("cont-1", "cont"));
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
    Map<String, Integer> expected2 = Map.of(
        "days.1.work#1", 1, "days.1.after#1", 1, "days.4.work#1", 1, "days.4.after#1", 1, "end#1", 1);
    assertThat(creations("cont-1", expected2.size())).isEqualTo(new TreeMap<>(expected2));
    sleep(500);
    assertThat(creations("cont-1", expected2.size())).as("no late creations").isEqualTo(new TreeMap<>(expected2));
    assertThat(run2.getStatus().rollup).isNotNull();
  }
}
