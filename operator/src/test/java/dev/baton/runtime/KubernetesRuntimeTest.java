package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.dag.Specs;
import dev.baton.flow.Command;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceFlow;
import dev.baton.flow.InstanceKey;
import dev.baton.flow.JobNames;
import dev.baton.metrics.BatonMetrics;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime against the Fabric8 mock server, with a real engine behind one actor: what the
 * runtime tells the actor shows in the run's status. Everything runs on the calling thread.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesRuntimeTest {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final String NS = "test";
  static final String RUN = "run-1";
  static final String UID = "uid-run-1";
  static final String YAML =
      """
      steps:
        - {id: a, timeout: 1h, retry: {platformErrors: 3, backoff: {type: fixed, delay: 10s}}, job: {image: busybox}}
      """;

  static final String JOBS = "/apis/batch/v1/namespaces/" + NS + "/jobs";

  /** Four tries, a few milliseconds apart. */
  static final CreateRetry FAST =
      new CreateRetry(4, Duration.ofSeconds(10), Duration.ofMillis(1), Duration.ofMillis(5));

  final BatonMetrics metrics = BatonMetrics.inMemory();
  final List<Command> commands = new CopyOnWriteArrayList<>();
  final WorkflowInstance owner = owner();
  Timers timers;
  KubernetesRuntime runtime;
  FlowActor actor;

  @BeforeEach
  void setUp() {
    timers = new Timers(Clock.systemUTC());
    runtime = runtime(FAST);
    InstanceFlow flow =
        new InstanceFlow(RUN, Specs.compile(YAML), null, Map.<String, JsonNode>of());
    FlowEngine engine =
        new FlowEngine(Runnable::run, (a, cs) -> commands.addAll(cs), Clock.systemUTC());
    actor = engine.getOrCreate(new InstanceKey(NS, RUN), () -> flow);
    runtime.track(actor, owner);
    actor.tell(new FlowEvent.Start(Clock.systemUTC().instant()));
  }

  @AfterEach
  void tearDown() {
    timers.close();
    client.batch().v1().jobs().inNamespace(NS).delete();
  }

  KubernetesRuntime runtime(CreateRetry retry) {
    StatusWriter status =
        new StatusWriter(client, Runnable::run, metrics, null, w -> {}, Duration.ZERO);
    // The client's own retries of 5xx answers are off, so the runtime's show.
    KubernetesClient noRetries =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
    return new KubernetesRuntime(
        noRetries, new JobFactory(null), status, timers, Runnable::run, metrics, retry);
  }

  static WorkflowInstance owner() {
    WorkflowInstance i = new WorkflowInstance();
    i.setMetadata(new ObjectMetaBuilder().withName(RUN).withNamespace(NS).withUid(UID).build());
    i.setSpec(new WorkflowInstanceSpec());
    i.getSpec().workflow = "wf";
    return i;
  }

  Command.CreateJob createOf(String step, int attempt) {
    return commands.stream()
        .filter(Command.CreateJob.class::isInstance)
        .map(Command.CreateJob.class::cast)
        .filter(c -> c.stepId().equals(step) && c.attempt() == attempt)
        .findFirst()
        .orElseThrow();
  }

  double count(String counter) {
    var c = metrics.registry().find(counter).counter();
    return c == null ? 0 : c.count();
  }

  StepStatus step(String id) {
    return actor.snapshot().join().steps.get(id);
  }

  List<Job> jobs() {
    return client.batch().v1().jobs().inNamespace(NS).list().getItems();
  }

  /** Step a's attempt 1 is Running, and its Job has been seen: the Job exists in the API server. */
  Job runningAndSeen() {
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .resource(new JobFactory(null).build(owner, createOf("a", 1)))
            .create();
    actor.tell(new FlowEvent.WorkloadsObserved(Map.of("a", 1), Clock.systemUTC().instant()));
    assertThat(step("a").state).isEqualTo(StepState.Running);
    return job;
  }

  @Test
  void aConfirmOfAJobThatExistsReportsNothing() {
    Job job = runningAndSeen();
    runtime.execute(
        actor, List.of(new Command.ConfirmGone("a", 1, job.getMetadata().getName(), false)));
    assertThat(step("a").state).isEqualTo(StepState.Running);
    assertThat(step("a").platformErrors).isNull();
  }

  @Test
  void aConfirmOfAJobUnderAnOlderNameFindsItByItsLabels() {
    runningAndSeen();
    runtime.execute(actor, List.of(new Command.ConfirmGone("a", 1, "run-1-a-1-0a1b2c3d", false)));
    assertThat(step("a").state).isEqualTo(StepState.Running);
  }

  @Test
  void aConfirmOfADeletedJobReportsItGone() {
    Job job = runningAndSeen();
    client.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).delete();
    runtime.execute(
        actor, List.of(new Command.ConfirmGone("a", 1, job.getMetadata().getName(), false)));
    assertThat(step("a").state).isEqualTo(StepState.Retrying);
    assertThat(step("a").platformErrors).isEqualTo(1);
    assertThat(step("a").message)
        .contains("the Job of attempt 1 was deleted before the step finished");
  }

  @Test
  void aConfirmOfAJobNowOwnedByAnotherInstanceReportsItGone() {
    Job job = runningAndSeen();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(job.getMetadata().getName())
        .edit(j -> {
          j.getMetadata().getOwnerReferences().getFirst().setUid("someone-else");
          return j;
        });
    runtime.execute(
        actor, List.of(new Command.ConfirmGone("a", 1, job.getMetadata().getName(), false)));
    assertThat(step("a").state).isEqualTo(StepState.Retrying);
  }

  // ---- AlreadyExists: what is under the name decides ---------------------------------------

  Job existing(String step, int attempt, String name) {
    Job job = new JobFactory(null).build(owner, createOf("a", 1));
    job.getMetadata().setName(name);
    job.getMetadata().getAnnotations().put(Labels.STEP_PATH, step);
    job.getMetadata().getLabels().put(Labels.STEP, Labels.stepLabel(step));
    job.getMetadata().getLabels().put(Labels.ATTEMPT, Integer.toString(attempt));
    return client.batch().v1().jobs().inNamespace(NS).resource(job).create();
  }

  @Test
  void anAlreadyExistingJobOfTheSameAttemptIsLaunched() {
    existing("a", 1, name("a", 1));
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Running);
    assertThat(jobs()).hasSize(1);
  }

  @Test
  void anotherStepsJobUnderTheNameIsACollisionNeverLaunched() {
    existing("b.7.load", 1, name("a", 1));
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Failed);
    assertThat(step("a").message).contains("name collision").contains("step b.7.load attempt 1");
    assertThat(count("baton.job.name.collisions")).isEqualTo(1);
  }

  @Test
  void anotherAttemptsJobUnderTheNameIsACollision() {
    existing("a", 2, name("a", 1));
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Failed);
    assertThat(step("a").message).contains("name collision");
  }

  @Test
  void aJobOfAnEarlierNamesakeInstanceIsAPlatformFailure() {
    Job job = existing("a", 1, name("a", 1));
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(job.getMetadata().getName())
        .edit(j -> {
          j.getMetadata().getOwnerReferences().getFirst().setUid("someone-else");
          return j;
        });
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Retrying);
    assertThat(step("a").platformErrors).isEqualTo(1);
    assertThat(step("a").message).contains("belongs to an earlier instance named run-1");
  }

  @Test
  void anAlreadyExistsWhoseJobIsGoneWhenReadIsCreatedAgain() {
    server.expect().post().withPath(JOBS).andReturn(409, status(409, "AlreadyExists")).once();
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Running);
    assertThat(jobs())
        .singleElement()
        .satisfies(j -> assertThat(j.getMetadata().getName()).isEqualTo(name("a", 1)));
  }

  // ---- unclear outcomes: the same name, again ------------------------------------------------

  static io.fabric8.kubernetes.api.model.Status status(int code, String reason) {
    return new io.fabric8.kubernetes.api.model.StatusBuilder()
        .withCode(code)
        .withReason(reason)
        .withMessage(reason)
        .build();
  }

  @Test
  void serverErrorsAreRetriedUnderTheSameNameAndSpendNoAttempt() {
    server.expect().post().withPath(JOBS).andReturn(500, status(500, "InternalError")).times(3);
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(jobs())
        .singleElement()
        .satisfies(j -> assertThat(j.getMetadata().getName()).isEqualTo(name("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Running);
    assertThat(step("a").attempt).isEqualTo(1);
    assertThat(step("a").platformErrors).isNull();
    assertThat(count("baton.job.create.retries")).isEqualTo(3);
  }

  @Test
  void aCreateThatLandedDespiteAnErrorIsFoundOnTheRetryAndLaunched() {
    // The first create reached etcd; its answer was lost (a 503 from a proxy, say).
    existing("a", 1, name("a", 1));
    server.expect().post().withPath(JOBS).andReturn(503, status(503, "ServiceUnavailable")).once();
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(jobs()).hasSize(1);
    assertThat(step("a").state).isEqualTo(StepState.Running);
    assertThat(step("a").platformErrors).isNull();
  }

  @Test
  void throttlingIsRetriedToo() {
    server.expect().post().withPath(JOBS).andReturn(429, status(429, "TooManyRequests")).times(2);
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Running);
    assertThat(jobs()).hasSize(1);
  }

  @Test
  void whenTheTriesAreSpentTheAttemptFailsAndALateCreateIsDeleted() {
    existing("a", 1, name("a", 1)); // as if one of the creates landed
    server
        .expect()
        .post()
        .withPath(JOBS)
        .andReturn(500, status(500, "InternalError"))
        .times(FAST.tries());
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Retrying);
    assertThat(step("a").platformErrors).isEqualTo(1);
    assertThat(step("a").message).contains("(4 tries)");
    assertThat(jobs()).isEmpty();
  }

  @Test
  void aRejectionIsNotRetried() {
    server.expect().post().withPath(JOBS).andReturn(422, status(422, "Invalid")).once();
    runtime.execute(actor, List.of(createOf("a", 1)));
    assertThat(step("a").state).isEqualTo(StepState.Failed);
    assertThat(jobs()).isEmpty();
    assertThat(count("baton.job.create.retries")).isZero();
  }

  // ---- reaping -------------------------------------------------------------------------------

  @Test
  void reapingDeletesTheJobsItIsGivenAtMostOnceAMinuteEach() {
    Job job = existing("a", 1, name("a", 1));
    assertThat(runtime.reap(actor.key(), List.of(job))).isEqualTo(1);
    assertThat(jobs()).isEmpty();
    // A create landing after the delete: reaped again, but not within the same minute.
    existing("a", 1, name("a", 1));
    runtime.reap(actor.key(), List.of(job));
    assertThat(jobs()).hasSize(1);
  }

  static String name(String step, int attempt) {
    return JobNames.of(RUN, step, attempt);
  }
}
