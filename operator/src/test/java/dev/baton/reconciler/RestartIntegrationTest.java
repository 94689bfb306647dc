package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.Conditions;
import dev.baton.api.InstancePhase;
import dev.baton.api.RestartFrom;
import dev.baton.api.RestartRequest;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstance;
import dev.baton.flow.JobNames;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.testing.FakeKubelet.Behavior;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The restart action through the real operator: a finished instance is given a new run by patching
 * spec.restart, as a person would with kubectl.
 */
@EnableKubernetesMockClient(crud = true)
class RestartIntegrationTest {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final Duration WAIT = Duration.ofSeconds(30);

  /** a -> b -> c, and a -> d. */
  static final String STEPS =
      """
      - id: a
        job: {image: busybox}
      - id: b
        dependsOn: [a]
        retry: {userErrors: 0}
        job: {image: busybox}
      - id: c
        dependsOn: [b]
        job: {image: busybox}
      - id: d
        dependsOn: [a]
        job: {image: busybox}
      """;

  Cluster cluster;

  /** Jobs as the API server saw them appear, by name: each must appear once. */
  final Map<String, Integer> added = new ConcurrentHashMap<>();

  Watch watch;

  @BeforeEach
  void start() throws InterruptedException {
    // Jobs left by earlier tests would show up as ADDED on the new watch.
    client.batch().v1().jobs().inNamespace(Cluster.NS).delete();
    cluster = new Cluster(client).startOperator();
    watch =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(Cluster.NS)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    if (action == Action.ADDED)
                      added.merge(job.getMetadata().getName(), 1, Integer::sum);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    drainRequests();
  }

  @AfterEach
  void stop() {
    watch.close();
    cluster.close();
  }

  void workflow(String name) {
    cluster.apply(OperatorIntegrationTest.workflow(name, STEPS));
  }

  WorkflowInstance edit(String name, Consumer<WorkflowInstance> change) {
    return Cluster.editInstance(client, name, change);
  }

  static RestartRequest restart(int run, RestartFrom from, String step) {
    return Cluster.restartRequest(run, from, step);
  }

  WorkflowInstance awaitRun(String name, int run, InstancePhase phase) {
    return cluster.awaitRun(name, run, phase, WAIT);
  }

  /** "step#attempt" of every step, from the status. */
  static Map<String, String> attempts(WorkflowInstance i) {
    Map<String, String> m = new TreeMap<>();
    i.getStatus().steps.forEach((id, s) -> m.put(id, s.state + "#" + s.attempt));
    return m;
  }

  /**
   * Job create requests since the last call. The mock server consumes request bodies, so these are
   * counted by path; the ADDED events name the Jobs.
   */
  static int createRequests() throws InterruptedException {
    int n = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (r.getMethod().equals("POST") && r.getPath().split("\\?")[0].endsWith("/jobs")) n++;
    }
    return n;
  }

  static void drainRequests() throws InterruptedException {
    while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {}
  }

  void assertEachJobCreatedOnce(List<String> expected) throws InterruptedException {
    Cluster.await(
        "the Jobs' ADDED events", () -> added.keySet(), k -> k.containsAll(expected), WAIT);
    assertThat(added.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(createRequests()).as("Job create requests").isEqualTo(expected.size());
    assertThat(added).allSatisfy((name, times) -> assertThat(times).as(name).isEqualTo(1));
  }

  static String job(String instance, String step, int attempt) {
    return JobNames.of(instance, step, attempt);
  }

  @Test
  void incompleteRerunsTheFailedStepAndItsDependentsOnly() throws InterruptedException {
    workflow("inc");
    cluster.kubelet.when("inc-1", "b", 1, new Behavior.Fail(2, "bad input"));
    cluster.apply(Cluster.instanceYaml("inc-1", "inc"));
    WorkflowInstance run1 = cluster.awaitFinal("inc-1", WAIT);
    assertThat(run1.getStatus().phase).isEqualTo(InstancePhase.Failed);
    assertThat(attempts(run1))
        .isEqualTo(
            Map.of("a", "Succeeded#1", "b", "Failed#1", "c", "Stopped#0", "d", "Succeeded#1"));
    StepStatus aBefore = run1.getStatus().steps.get("a");

    edit("inc-1", i -> i.getSpec().restart = restart(2, null, null));
    WorkflowInstance run2 = awaitRun("inc-1", 2, InstancePhase.Succeeded);

    assertThat(attempts(run2))
        .isEqualTo(
            Map.of("a", "Succeeded#1", "b", "Succeeded#2", "c", "Succeeded#1", "d", "Succeeded#1"));
    // a was kept, not run again: the same times as in run 1.
    assertThat(run2.getStatus().steps.get("a").startTime).isEqualTo(aBefore.startTime);
    assertThat(run2.getStatus().steps.get("b").userErrors).isNull();
    assertThat(run2.getStatus().history).hasSize(1);
    var record = run2.getStatus().history.getFirst();
    assertThat(record.run).isEqualTo(1);
    assertThat(record.phase).isEqualTo(InstancePhase.Failed);
    assertThat(record.steps).containsEntry("b", "Failed/1").containsEntry("a", "Succeeded/1");
    assertThat(run2.getStatus().message).isEqualTo("all 4 steps finished");
    assertThat(Conditions.find(run2.getStatus().conditions, "Completed").getReason())
        .isEqualTo("Succeeded");
    assertThat(Conditions.find(run2.getStatus().conditions, "Restarted").getMessage())
        .isEqualTo("run 2 from Incomplete");
    assertEachJobCreatedOnce(
        List.of(
            job("inc-1", "a", 1),
            job("inc-1", "b", 1),
            job("inc-1", "d", 1),
            job("inc-1", "b", 2),
            job("inc-1", "c", 1)));
    // The old run's failed Job is still there, beside the new one.
    assertThat(cluster.jobs("inc-1")).hasSize(5);
  }

  @Test
  void beginningRerunsEveryStep() throws InterruptedException {
    workflow("beg");
    cluster.kubelet.when("beg-1", "b", 1, new Behavior.Fail(2, "bad input"));
    cluster.apply(Cluster.instanceYaml("beg-1", "beg"));
    assertThat(cluster.awaitFinal("beg-1", WAIT).getStatus().phase).isEqualTo(InstancePhase.Failed);

    edit("beg-1", i -> i.getSpec().restart = restart(2, RestartFrom.Beginning, null));
    WorkflowInstance run2 = awaitRun("beg-1", 2, InstancePhase.Succeeded);

    assertThat(attempts(run2))
        .isEqualTo(
            Map.of("a", "Succeeded#2", "b", "Succeeded#2", "c", "Succeeded#1", "d", "Succeeded#2"));
    assertEachJobCreatedOnce(
        List.of(
            job("beg-1", "a", 1),
            job("beg-1", "b", 1),
            job("beg-1", "d", 1),
            job("beg-1", "a", 2),
            job("beg-1", "b", 2),
            job("beg-1", "c", 1),
            job("beg-1", "d", 2)));
  }

  @Test
  void fromAStepRerunsItAndItsDownstreamOfASucceededRun() throws InterruptedException {
    workflow("stp");
    cluster.apply(Cluster.instanceYaml("stp-1", "stp"));
    assertThat(cluster.awaitFinal("stp-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Succeeded);

    edit("stp-1", i -> i.getSpec().restart = restart(2, RestartFrom.Step, "b"));
    WorkflowInstance run2 = awaitRun("stp-1", 2, InstancePhase.Succeeded);

    assertThat(attempts(run2))
        .isEqualTo(
            Map.of("a", "Succeeded#1", "b", "Succeeded#2", "c", "Succeeded#2", "d", "Succeeded#1"));
    assertThat(run2.getStatus().history)
        .extracting(r -> r.phase)
        .containsExactly(InstancePhase.Succeeded);

    // And again, from the beginning: run 3, two runs in the history.
    edit("stp-1", i -> i.getSpec().restart = restart(3, RestartFrom.Beginning, null));
    WorkflowInstance run3 = awaitRun("stp-1", 3, InstancePhase.Succeeded);
    assertThat(run3.getStatus().history)
        .extracting(r -> r.restartedFrom)
        .containsExactly(null, "Step:b");
    assertThat(attempts(run3))
        .isEqualTo(
            Map.of("a", "Succeeded#2", "b", "Succeeded#3", "c", "Succeeded#3", "d", "Succeeded#2"));
    assertEachJobCreatedOnce(
        List.of(
            job("stp-1", "a", 1),
            job("stp-1", "b", 1),
            job("stp-1", "c", 1),
            job("stp-1", "d", 1),
            job("stp-1", "b", 2),
            job("stp-1", "c", 2),
            job("stp-1", "a", 2),
            job("stp-1", "b", 3),
            job("stp-1", "c", 3),
            job("stp-1", "d", 2)));
  }

  @Test
  void aStoppedInstanceRestartsWithStopSetBackToFalse() throws InterruptedException {
    workflow("stopped");
    cluster.kubelet.when("stopped-1", "b", 1, new Behavior.Hang());
    cluster.apply(Cluster.instanceYaml("stopped-1", "stopped"));
    cluster.awaitStep("stopped-1", "b", StepState.Running, WAIT);
    edit("stopped-1", i -> i.getSpec().stop = true);
    assertThat(cluster.awaitFinal("stopped-1", WAIT).getStatus().phase)
        .isEqualTo(InstancePhase.Stopped);

    // A restart while stop is still true is refused, and says how to ask.
    edit("stopped-1", i -> i.getSpec().restart = restart(2, null, null));
    WorkflowInstance refused =
        Cluster.await(
            "a RestartPending condition",
            () -> cluster.instance("stopped-1"),
            i -> Conditions.find(i.getStatus().conditions, "RestartPending") != null,
            WAIT);
    assertThat(Conditions.find(refused.getStatus().conditions, "RestartPending").getMessage())
        .contains("{\"spec\":{\"stop\":false,\"restart\":{\"run\":2}}}");
    assertThat(refused.getStatus().phase).isEqualTo(InstancePhase.Stopped);
    assertThat(dev.baton.flow.Restarts.run(refused.getStatus())).isEqualTo(1);

    // As the message says, and as the CRD's rule on stop allows: remove, then ask with stop: false.
    edit("stopped-1", i -> i.getSpec().restart = null);
    edit(
        "stopped-1",
        i -> {
          i.getSpec().stop = false;
          i.getSpec().restart = restart(2, null, null);
        });
    WorkflowInstance run2 = awaitRun("stopped-1", 2, InstancePhase.Succeeded);
    assertThat(attempts(run2))
        .isEqualTo(
            Map.of("a", "Succeeded#1", "b", "Succeeded#2", "c", "Succeeded#1", "d", "Succeeded#1"));
    assertThat(Conditions.find(run2.getStatus().conditions, "RestartPending")).isNull();
    assertThat(run2.getStatus().history.getFirst().phase).isEqualTo(InstancePhase.Stopped);
    assertEachJobCreatedOnce(
        List.of(
            job("stopped-1", "a", 1),
            job("stopped-1", "b", 1),
            job("stopped-1", "d", 1),
            job("stopped-1", "b", 2),
            job("stopped-1", "c", 1)));
  }

  @Test
  void aWrongRunNumberIsRefusedUntilCorrected() {
    workflow("wrong");
    cluster.kubelet.when("wrong-1", "b", 1, new Behavior.Fail(2, "bad input"));
    cluster.apply(Cluster.instanceYaml("wrong-1", "wrong"));
    cluster.awaitFinal("wrong-1", WAIT);

    edit("wrong-1", i -> i.getSpec().restart = restart(5, null, null));
    WorkflowInstance refused =
        Cluster.await(
            "a RestartPending condition",
            () -> cluster.instance("wrong-1"),
            i -> Conditions.find(i.getStatus().conditions, "RestartPending") != null,
            WAIT);
    assertThat(Conditions.find(refused.getStatus().conditions, "RestartPending").getMessage())
        .isEqualTo("spec.restart.run is 5 but the next run is 2: set spec.restart.run to 2");
    assertThat(refused.getStatus().phase).isEqualTo(InstancePhase.Failed);

    edit("wrong-1", i -> i.getSpec().restart = restart(2, null, null));
    awaitRun("wrong-1", 2, InstancePhase.Succeeded);
  }

  @Test
  void incompleteOnASucceededRunIsRefused() {
    workflow("done");
    cluster.apply(Cluster.instanceYaml("done-1", "done"));
    cluster.awaitFinal("done-1", WAIT);

    edit("done-1", i -> i.getSpec().restart = restart(2, RestartFrom.Incomplete, null));
    WorkflowInstance refused =
        Cluster.await(
            "a RestartPending condition",
            () -> cluster.instance("done-1"),
            i -> Conditions.find(i.getStatus().conditions, "RestartPending") != null,
            WAIT);
    assertThat(Conditions.find(refused.getStatus().conditions, "RestartPending").getMessage())
        .contains("nothing is incomplete");
    assertThat(refused.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    assertThat(cluster.jobs("done-1")).hasSize(4);
  }

  /** An old iteration Job as the runtime labels and owns it. */
  Job iterationJob(String instance, String path) {
    WorkflowInstance owner = cluster.instance(instance);
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(Cluster.NS)
        .resource(
            new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
                .withNewMetadata()
                .withName(job(instance, path, 1))
                .addNewOwnerReference()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(instance)
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .endOwnerReference()
                .addToLabels(Labels.INSTANCE, instance)
                .addToLabels(Labels.STEP, path)
                .addToLabels(Labels.ATTEMPT, "1")
                .addToAnnotations(Labels.STEP_PATH, path)
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels(Labels.INSTANCE, instance)
                .addToLabels(Labels.STEP, path)
                .addToLabels(Labels.ATTEMPT, "1")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  @Test
  void theOldJobsOfLoopIterationsThatRunAgainAreDeletedFirst() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "loop",
            """
            - id: days
              retry: {userErrors: 0}
              job: {image: busybox}
            """));
    cluster.kubelet.when("loop-1", "days", 1, new Behavior.Fail(1, "iteration 2 failed"));
    cluster.apply(Cluster.instanceYaml("loop-1", "loop"));
    cluster.awaitFinal("loop-1", WAIT);
    // What a foreach would have left (the compiler learns loops on another branch): iterations 0
    // and 1 succeeded, 2 failed, and the Jobs of 1 and 2 are still there.
    WorkflowInstance failed = cluster.instance("loop-1");
    var loop = new dev.baton.api.LoopStatus();
    loop.total = 3L;
    loop.succeeded = "0-1";
    loop.unsuccessful = "2";
    failed.getStatus().steps.get("days").loop = loop;
    client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .resource(failed)
        .updateStatus();
    iterationJob("loop-1", "days.1.work");
    iterationJob("loop-1", "days.2.work");

    edit("loop-1", i -> i.getSpec().restart = restart(2, null, null));
    awaitRun("loop-1", 2, InstancePhase.Succeeded);

    assertThat(cluster.jobs("loop-1"))
        .extracting(j -> j.getMetadata().getName())
        .contains(job("loop-1", "days.1.work", 1))
        .doesNotContain(job("loop-1", "days.2.work", 1));
  }

  @Test
  void aRestartAskedWhileTheRunGoesOnWaitsForItsEnd() {
    cluster.apply(
        OperatorIntegrationTest.workflow(
            "early",
            """
            - id: a
              job: {image: busybox}
            - id: b
              dependsOn: [a]
              timeout: 3s
              job: {image: busybox}
            """));
    cluster.kubelet.when("early-1", "b", 1, new Behavior.Hang());
    cluster.apply(Cluster.instanceYaml("early-1", "early"));
    cluster.awaitStep("early-1", "b", StepState.Running, WAIT);

    edit("early-1", i -> i.getSpec().restart = restart(2, null, null));
    Cluster.await(
        "a RestartPending event",
        () -> client.v1().events().inNamespace(Cluster.NS).list().getItems(),
        evs ->
            evs.stream()
                .anyMatch(e ->
                    "RestartPending".equals(e.getReason())
                        && e.getMessage().contains("waits for it to end")),
        WAIT);
    assertThat(cluster.instance("early-1").getStatus().run).isNull();

    // b runs past its timeout and the run fails; the waiting request then starts run 2.
    WorkflowInstance run2 = awaitRun("early-1", 2, InstancePhase.Succeeded);
    assertThat(run2.getStatus().history.getFirst().phase).isEqualTo(InstancePhase.Failed);
    assertThat(run2.getStatus().history.getFirst().steps).containsEntry("b", "TimedOut/1");
    assertThat(attempts(run2)).isEqualTo(Map.of("a", "Succeeded#1", "b", "Succeeded#2"));
  }
}
