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

  final BatonMetrics metrics = BatonMetrics.inMemory();
  final List<Command> commands = new CopyOnWriteArrayList<>();
  final WorkflowInstance owner = owner();
  Timers timers;
  KubernetesRuntime runtime;
  FlowActor actor;

  @BeforeEach
  void setUp() {
    timers = new Timers(Clock.systemUTC());
    runtime = runtime();
    InstanceFlow flow = new InstanceFlow(RUN, Specs.compile(YAML), null, Map.<String, JsonNode>of());
    FlowEngine engine = new FlowEngine(Runnable::run, (a, cs) -> commands.addAll(cs), Clock.systemUTC());
    actor = engine.getOrCreate(new InstanceKey(NS, RUN), () -> flow);
    runtime.track(actor, owner);
    actor.tell(new FlowEvent.Start(Clock.systemUTC().instant()));
  }

  @AfterEach
  void tearDown() {
    timers.close();
    client.batch().v1().jobs().inNamespace(NS).delete();
  }

  KubernetesRuntime runtime() {
    StatusWriter status = new StatusWriter(client, Runnable::run, metrics, null, w -> {}, Duration.ZERO);
    return new KubernetesRuntime(client, new JobFactory(null), status, timers, Runnable::run, metrics);
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
        .filter(Command.CreateJob.class::isInstance).map(Command.CreateJob.class::cast)
        .filter(c -> c.stepId().equals(step) && c.attempt() == attempt)
        .findFirst().orElseThrow();
  }

  StepStatus step(String id) {
    return actor.snapshot().join().steps.get(id);
  }

  List<Job> jobs() {
    return client.batch().v1().jobs().inNamespace(NS).list().getItems();
  }

  /** Step a's attempt 1 is Running, and its Job has been seen: the Job exists in the API server. */
  Job runningAndSeen() {
    Job job = client.batch().v1().jobs().inNamespace(NS).resource(new JobFactory(null).build(owner, createOf("a", 1))).create();
    actor.tell(new FlowEvent.WorkloadsObserved(Map.of("a", 1), Clock.systemUTC().instant()));
    assertThat(step("a").state).isEqualTo(StepState.Running);
    return job;
  }

  @Test
  void aConfirmOfAJobThatExistsReportsNothing() {
    Job job = runningAndSeen();
    runtime.execute(actor, List.of(new Command.ConfirmGone("a", 1, job.getMetadata().getName(), false)));
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
    runtime.execute(actor, List.of(new Command.ConfirmGone("a", 1, job.getMetadata().getName(), false)));
    assertThat(step("a").state).isEqualTo(StepState.Retrying);
    assertThat(step("a").platformErrors).isEqualTo(1);
    assertThat(step("a").message).contains("the Job of attempt 1 was deleted before the step finished");
  }

  @Test
  void aConfirmOfAJobNowOwnedByAnotherInstanceReportsItGone() {
    Job job = runningAndSeen();
    client.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName())
        .edit(j -> { j.getMetadata().getOwnerReferences().getFirst().setUid("someone-else"); return j; });
    runtime.execute(actor, List.of(new Command.ConfirmGone("a", 1, job.getMetadata().getName(), false)));
    assertThat(step("a").state).isEqualTo(StepState.Retrying);
  }

  static String name(String step, int attempt) {
    return JobNames.of(RUN, step, attempt);
  }
}
