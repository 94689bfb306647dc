package dev.baton.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.JobTemplate;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.flow.Command;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.JobNames;
import dev.baton.testing.FakeKubelet;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Only the instance's own Jobs, and their own Pods, say anything about its steps: labels can be set
 * by anyone who may create a Job or Pod in the namespace (issue 11, forged observations).
 */
class ObservationsOwnershipTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static WorkflowInstance instance(String name, String uid) {
    WorkflowInstance i = new WorkflowInstance();
    i.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").withUid(uid).build());
    i.setSpec(new WorkflowInstanceSpec());
    i.getSpec().workflow = "wf";
    return i;
  }

  /**
   * The Job Baton makes for step {@code step} attempt 1 of {@code owner}, as the API server stores
   * it.
   */
  private static Job job(WorkflowInstance owner, String step, String uid) {
    JobTemplate t = new JobTemplate();
    t.image = "busybox";
    Job job =
        new JobFactory(null)
            .build(
                owner,
                new Command.CreateJob(
                    step,
                    1,
                    JobNames.of(owner.getMetadata().getName(), step, 1),
                    t,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null));
    job.getMetadata().setUid(uid);
    return job;
  }

  /**
   * A pod of {@code job} as the Job controller makes it: the template's labels, the Job as
   * controller.
   */
  private static Pod podOf(Job job, String name, String phase) {
    return pod(job, name, phase, FakeKubelet.controllerRef(job));
  }

  private static Pod pod(Job job, String name, String phase, OwnerReference owner) {
    var meta =
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("ns")
            .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
            .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations());
    if (owner != null) meta.withOwnerReferences(owner);
    return new PodBuilder()
        .withMetadata(meta.build())
        .withNewStatus()
        .withPhase(phase)
        .endStatus()
        .build();
  }

  @Test
  void theJobsBatonMakesAndThePodsTheirJobsMakeCount() {
    WorkflowInstance inst = instance("run", "uid-run");
    Job job = job(inst, "a", "uid-job");
    Pod pod = podOf(job, "run-a-1-p", "Succeeded");

    List<Job> jobs = Ownership.owned("uid-run", List.of(job));
    assertThat(jobs).containsExactly(job);
    assertThat(Ownership.podsOf(jobs, List.of(pod))).containsExactly(pod);
    assertThat(Ownership.unowned(job)).isFalse();
    assertThat(Ownership.unowned(pod)).isFalse();
  }

  @Test
  void aPodWithTheStepsLabelsAndNoOwnerIsIgnored() {
    WorkflowInstance inst = instance("run", "uid-run");
    Job job = job(inst, "a", "uid-job");
    Pod real = podOf(job, "run-a-1-p", "Running");
    Pod forged = pod(job, "forged", "Succeeded", null);

    List<Job> jobs = Ownership.owned("uid-run", List.of(job));
    List<Pod> pods = Ownership.podsOf(jobs, List.of(real, forged));

    assertThat(pods).containsExactly(real);
    assertThat(Observations.of(jobs, pods, NOW))
        .noneMatch(e -> e instanceof FlowEvent.StepSucceeded);
    assertThat(Ownership.unowned(forged)).isTrue();
  }

  @Test
  void aPodOwnedByAJobOfAnotherInstanceIsIgnored() {
    WorkflowInstance inst = instance("run", "uid-run");
    Job mine = job(inst, "a", "uid-job");
    Job theirs = job(instance("other", "uid-other"), "a", "uid-their-job");
    // Labelled as this instance's step, owned by the other instance's Job.
    Pod forged =
        pod(
            mine,
            "forged",
            "Succeeded",
            podOf(theirs, "x", "Succeeded").getMetadata().getOwnerReferences().getFirst());

    assertThat(Ownership.podsOf(Ownership.owned("uid-run", List.of(mine)), List.of(forged)))
        .isEmpty();
  }

  @Test
  void aPodWhoseControllerIsNotAJobIsIgnoredEvenWithTheJobsUid() {
    WorkflowInstance inst = instance("run", "uid-run");
    Job job = job(inst, "a", "uid-job");
    Pod forged =
        pod(
            job,
            "forged",
            "Succeeded",
            new OwnerReferenceBuilder()
                .withApiVersion("apps/v1")
                .withKind("ReplicaSet")
                .withName("rs")
                .withUid("uid-job")
                .withController(true)
                .build());
    Pod notController =
        pod(
            job,
            "forged-2",
            "Succeeded",
            new OwnerReferenceBuilder()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName(job.getMetadata().getName())
                .withUid("uid-job")
                .build());

    assertThat(Ownership.podsOf(List.of(job), List.of(forged, notController))).isEmpty();
  }

  @Test
  void aJobWithTheStepsLabelsAndNoOwnerIsIgnored() {
    WorkflowInstance inst = instance("run", "uid-run");
    Job forged = job(inst, "a", "uid-forged");
    forged.getMetadata().setOwnerReferences(null);
    forged.setStatus(
        new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
            .addNewCondition()
            .withType("Complete")
            .withStatus("True")
            .endCondition()
            .build());
    Pod itsPod = podOf(forged, "forged-p", "Succeeded");

    List<Job> jobs = Ownership.owned("uid-run", List.of(forged));
    assertThat(jobs).isEmpty();
    assertThat(Ownership.podsOf(jobs, List.of(itsPod))).isEmpty();
    assertThat(Ownership.unowned(forged)).isTrue();
  }

  @Test
  void aJobControlledByAnotherKindOrNotAsControllerIsIgnored() {
    WorkflowInstance inst = instance("run", "uid-run");
    Job otherKind = job(inst, "a", "uid-1");
    otherKind.getMetadata().getOwnerReferences().getFirst().setKind("ConfigMap");
    otherKind.getMetadata().getOwnerReferences().getFirst().setApiVersion("v1");
    Job notController = job(inst, "b", "uid-2");
    notController.getMetadata().getOwnerReferences().getFirst().setController(false);
    Job namesakes = job(instance("run", "uid-of-a-deleted-run"), "c", "uid-3");

    assertThat(Ownership.owned("uid-run", List.of(otherKind, notController, namesakes))).isEmpty();
    // A namesake's Job is routine, not worth telling anyone about; the others are.
    assertThat(Ownership.unowned(namesakes)).isFalse();
    assertThat(Ownership.unowned(otherKind)).isTrue();
    assertThat(Ownership.unowned(notController)).isTrue();
  }

  @Test
  void anOwnerReferenceOfAnotherVersionOfTheSameGroupStillNamesTheOwner() {
    WorkflowInstance inst = instance("run", "uid-run");
    Job job = job(inst, "a", "uid-job");
    job.getMetadata().getOwnerReferences().getFirst().setApiVersion("baton.dev/v1");
    assertThat(Ownership.owned("uid-run", List.of(job))).containsExactly(job);
    assertThat(job(inst, "a", "x").getMetadata().getOwnerReferences().getFirst().getApiVersion())
        .isEqualTo("baton.dev/v1alpha1");
  }
}
