package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The retention of finished runs on the real cluster: the right runs are kept, and a deleted run's
 * Jobs, Pods and subworkflow children (with their own Jobs) go with it, by the garbage collector;
 * and a TTL deletes a run when it passes.
 */
class RetentionE2ETest extends OnCluster {
  static final String NS = "e2e-retention";
  static final Duration WAIT = Duration.ofSeconds(60);

  @BeforeAll
  static void start() throws Exception {
    open(NS);
    startOperator("retention");
  }

  static String run(String name, String workflow, String exit) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: WorkflowInstance
    metadata:
      name: %s
    spec:
      workflow: %s
      params: {exit: "%s"}
    """
        .formatted(name, workflow, exit);
  }

  List<String> instancesOf(String workflow) {
    return client.resources(WorkflowInstance.class).inNamespace(NS).list().getItems().stream()
        .filter(i -> workflow.equals(i.getSpec().workflow))
        .map(i -> i.getMetadata().getName())
        .sorted()
        .toList();
  }

  List<String> children(String parent) {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(NS)
        .withLabel(Labels.PARENT, parent)
        .list()
        .getItems()
        .stream()
        .map(i -> i.getMetadata().getName())
        .toList();
  }

  /** What is left of an instance: its Jobs, Pods and children, and the Jobs of its children. */
  Map<String, Integer> leftovers(String instance) {
    Map<String, Integer> left = new TreeMap<>();
    left.put("jobs", E2E.jobs(client, NS, instance).size());
    left.put(
        "pods",
        client
            .pods()
            .inNamespace(NS)
            .withLabel(Labels.INSTANCE, instance)
            .list()
            .getItems()
            .size());
    List<String> children = children(instance);
    left.put("children", children.size());
    int childJobs = 0;
    for (String c : children) childJobs += E2E.jobs(client, NS, c).size();
    left.put("childJobs", childJobs);
    return left;
  }

  static final Map<String, Integer> NOTHING =
      Map.of("jobs", 0, "pods", 0, "children", 0, "childJobs", 0);

  @Test
  void keepsTheNewestRunsAndTheGarbageCollectorTakesTheJobsAndChildrenOfTheOthers() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: leaf
        spec:
          retention: {succeeded: 0}    # its runs as children are their parents'
          steps:
            - id: inner
              job: {image: busybox:1.36}
        ---
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: keep
        spec:
          retention: {succeeded: 2, failed: 1}
          params:
            - {name: exit, type: string, default: "0"}
          steps:
            - id: child
              type: subworkflow
              subworkflow: {workflow: leaf}
            - id: work
              dependsOn: [child]
              retry: {userErrors: 0}
              job:
                image: busybox:1.36
                env: [{name: BATON_FAKE_EXIT_CODE, value: "${params.exit}"}]
        """);
    // Sequential (the default): they run, and end, in this order; the names sort the same way.
    List<String> names = new ArrayList<>();
    String[] outcome = {"ok", "ok", "bad", "ok", "bad", "ok", "bad", "ok"};
    for (int k = 0; k < outcome.length; k++) {
      String name = "keep-0" + (k + 1) + "-" + outcome[k];
      names.add(name);
      E2E.apply(client, NS, run(name, "keep", outcome[k].equals("ok") ? "0" : "1"));
    }
    // Every run makes its child, then its Job (checked on the kept ones below).
    WorkflowInstance last = E2E.awaitFinal(client, NS, "keep-08-ok", Duration.ofSeconds(90));
    assertThat(last.getStatus().phase).isEqualTo(InstancePhase.Succeeded);

    List<String> kept = List.of("keep-06-ok", "keep-07-bad", "keep-08-ok");
    Cluster.await("the kept runs only", () -> instancesOf("keep"), kept::equals, WAIT);
    assertThat(E2E.instance(client, NS, "keep-07-bad").getStatus().phase)
        .isEqualTo(InstancePhase.Failed);
    for (String name : names.subList(0, 5)) {
      Cluster.await(
          "the Jobs, Pods and children of " + name + " gone",
          () -> leftovers(name),
          NOTHING::equals,
          WAIT);
    }
    for (String name : kept) {
      assertThat(leftovers(name)).as(name).containsEntry("jobs", 1).containsEntry("children", 1);
    }
    // The kept runs' children, Succeeded runs of leaf, are left to their parents.
    assertThat(instancesOf("leaf")).hasSize(3);

    Workflow wf =
        Cluster.await(
            "the Workflow's retention status",
            () -> client.resources(Workflow.class).inNamespace(NS).withName("keep").get(),
            w ->
                w.getStatus().retention != null
                    && Long.valueOf(5).equals(w.getStatus().retention.deleted),
            WAIT);
    assertThat(wf.getStatus().retention.error).isNull();
    assertThat(wf.getStatus().lastSuccess.name).isEqualTo("keep-08-ok");
    // As README shows it.
    String events =
        Cluster.await(
            "RetentionDeleted Events naming the five",
            () ->
                E2E.kubectl(
                    "-n",
                    NS,
                    "get",
                    "events",
                    "--field-selector",
                    "involvedObject.kind=Workflow,involvedObject.name=keep,reason=RetentionDeleted",
                    "-o",
                    "custom-columns=MSG:.message"),
            out -> names.subList(0, 5).stream().allMatch(out::contains),
            WAIT);
    assertThat(events)
        .contains("keep-01-ok (over succeeded: 2)")
        .contains("keep-05-bad (over failed: 1)");
    assertThat(
            E2E.kubectl(
                "-n",
                NS,
                "get",
                "workflows.baton.dev",
                "keep",
                "-o",
                "jsonpath={.status.retention.deleted}"))
        .isEqualTo("5");
  }

  @Test
  void aTtlDeletesARunOnceItPasses() {
    E2E.apply(
        client,
        NS,
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata:
          name: brief
        spec:
          retention: {ttlAfterFinished: 5s}
          params:
            - {name: exit, type: string, default: "0"}
          steps:
            - id: work
              job: {image: busybox:1.36}
        """);
    E2E.apply(client, NS, run("brief-1", "brief", "0"));
    WorkflowInstance done = E2E.awaitFinal(client, NS, "brief-1", WAIT);
    assertThat(done.getStatus().phase).isEqualTo(InstancePhase.Succeeded);
    Instant end = Instant.parse(done.getStatus().endTime);

    Cluster.await("brief-1 deleted", () -> instancesOf("brief"), List::isEmpty, WAIT);
    Instant gone = Instant.now();
    assertThat(gone).isAfterOrEqualTo(end.plusSeconds(5));
    // Nothing else happened to the Workflow: the TTL's own wake-up deleted it, within seconds.
    assertThat(gone).isBefore(end.plusSeconds(20));
    Cluster.await("the Jobs of brief-1 gone", () -> leftovers("brief-1"), NOTHING::equals, WAIT);
    Workflow wf = client.resources(Workflow.class).inNamespace(NS).withName("brief").get();
    assertThat(wf.getStatus().lastSuccess.name).isEqualTo("brief-1");
  }
}
