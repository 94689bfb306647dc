package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import dev.baton.triggers.ScheduledRuns;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Schedules on the real cluster, every 3 seconds: the operator killed -9 across several fire times
 * (each catch-up policy does as README says: None skips the missed times, Latest runs the last, All
 * runs every one, in order), then the kube-apiserver restarted under it. Exactly one run per
 * scheduled time throughout: the names are deterministic and each run carries its time's label.
 */
class SchedulesE2ETest extends OnCluster {
  static final String NS = "e2e-schedules";
  static final Duration PERIOD = Duration.ofSeconds(3);
  static final Duration WAIT = Duration.ofSeconds(90);

  @BeforeAll
  static void start() {
    open(NS);
  }

  static String workflow(String name, String policy) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: %s
    spec:
      runStrategy: {type: Parallel, concurrency: 1000}
      params:
        - {name: scheduledTime, type: string, default: manual}
      triggers:
        schedules:
          - {name: tick, cron: "*/3 * * * * ?", catchUp: %s%s}
      steps:
        - {id: a, type: noop}
    """
        .formatted(name, policy, policy.equals("All") ? ", maxCatchUp: 100" : "");
  }

  @Test
  void oneRunPerScheduledTimeAcrossAKillAndAnApiServerRestart() throws Exception {
    for (String p : List.of("None", "Latest", "All")) {
      E2E.apply(client, NS, workflow("tick-" + p.toLowerCase(), p));
    }
    E2E.Operator first = E2E.Operator.start("schedules-1");
    for (String w : List.of("tick-none", "tick-latest", "tick-all")) {
      Cluster.await("2 runs of " + w, () -> times(w), l -> l.size() >= 2, WAIT);
    }
    first.kill();
    Instant killed = Instant.now();
    // The runs made before the kill; one being created at the kill may still show up, so wait a
    // moment before taking them.
    Thread.sleep(500);
    Instant lastBeforeNone = times("tick-none").getLast();
    Instant lastBeforeLatest = times("tick-latest").getLast();
    Thread.sleep(
        4 * PERIOD.toMillis()); // several times pass with no operator (and the Lease stays)

    Instant restarting = Instant.now();
    E2E.Operator second = E2E.Operator.start("schedules-2"); // returns once it holds the Lease
    Instant leader = Instant.now();
    for (String w : List.of("tick-none", "tick-latest", "tick-all")) {
      Cluster.await(
          "runs of " + w + " after the restart",
          () -> times(w),
          l -> !l.isEmpty() && l.getLast().isAfter(leader.plus(PERIOD.multipliedBy(2))),
          WAIT);
    }
    assertThat(Duration.between(killed, leader)).isGreaterThan(PERIOD.multipliedBy(4));

    // All: every time, in order, none missed, none twice.
    assertConsecutive("tick-all", times("tick-all"));
    // None: the times missed while no operator ran are skipped; the first run after the restart
    // is for a time that came after the new operator started, and from there on none is missed.
    List<Instant> none = after(times("tick-none"), lastBeforeNone);
    assertThat(none.getFirst()).as("tick-none's first run after the restart").isAfter(restarting);
    assertConsecutive("tick-none", none);
    assertThat(event("tick-none", "ScheduleSkipped")).contains("catchUp None");
    // Latest: only the most recent missed time runs, then every time again.
    List<Instant> latest = after(times("tick-latest"), lastBeforeLatest);
    assertThat(Duration.between(lastBeforeLatest, latest.getFirst()))
        .as("tick-latest skipped the times before its catch-up run")
        .isGreaterThan(PERIOD.multipliedBy(2));
    assertConsecutive("tick-latest", latest);
    assertThat(event("tick-latest", "ScheduleSkipped"))
        .contains("catchUp Latest")
        .contains("to " + latest.getFirst().minus(PERIOD));
    for (String w : List.of("tick-none", "tick-latest", "tick-all")) assertLabelled(w);

    // The kube-apiserver restarts under the running operator. If the operator loses its Lease it
    // exits, and is started again, as a kubelet would.
    E2E.cluster("restart", "kube-apiserver");
    Instant back = Instant.now();
    E2E.Operator[] replacement = {null};
    Cluster.await(
        "runs of tick-all after the API server restart",
        () -> {
          // The Lease may be lost any time until the renewals succeed again.
          if (replacement[0] == null && !second.process.isAlive()) {
            try {
              replacement[0] = E2E.Operator.start("schedules-3");
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
          return times("tick-all");
        },
        l -> l.getLast().isAfter(back.plus(PERIOD.multipliedBy(2))),
        WAIT);
    E2E.Operator third = replacement[0];
    // Every time of the whole test has exactly one run, those of the outage included.
    assertConsecutive("tick-all", times("tick-all"));
    assertLabelled("tick-all");
    if (third == null) {
      // The operator watched throughout: the outage's times are not missed under any policy.
      assertConsecutive("tick-none", after(times("tick-none"), lastBeforeNone));
      assertConsecutive("tick-latest", after(times("tick-latest"), lastBeforeLatest));
    }
    if (third != null) third.close();
    second.close();
  }

  /** The scheduled times of a workflow's runs, in order, each from its run's label. */
  static List<Instant> times(String workflow) {
    return client.resources(WorkflowInstance.class).inNamespace(NS).list().getItems().stream()
        .filter(i -> workflow.equals(i.getSpec().workflow))
        .map(SchedulesE2ETest::timeOf)
        .sorted()
        .toList();
  }

  static Instant timeOf(WorkflowInstance i) {
    String l = i.getMetadata().getLabels().get(Labels.SCHEDULED_TIME);
    return Instant.parse(
        l.substring(0, 4)
            + "-"
            + l.substring(4, 6)
            + "-"
            + l.substring(6, 11)
            + ":"
            + l.substring(11, 13)
            + ":"
            + l.substring(13, 15)
            + "Z");
  }

  static List<Instant> after(List<Instant> times, Instant t) {
    List<Instant> out = new ArrayList<>();
    for (Instant x : times) if (x.isAfter(t)) out.add(x);
    assertThat(out).as("runs after " + t).isNotEmpty();
    return out;
  }

  static void assertConsecutive(String workflow, List<Instant> times) {
    for (int k = 1; k < times.size(); k++) {
      assertThat(times.get(k))
          .as(workflow + ": the time after " + times.get(k - 1) + " (all: " + times + ")")
          .isEqualTo(times.get(k - 1).plus(PERIOD));
    }
  }

  /** Each run is named and labelled for its time and schedule, and gets its scheduledTime. */
  static void assertLabelled(String workflow) {
    for (WorkflowInstance i :
        client.resources(WorkflowInstance.class).inNamespace(NS).list().getItems()) {
      if (!workflow.equals(i.getSpec().workflow)) continue;
      Instant t = timeOf(i);
      assertThat(i.getMetadata().getName())
          .isEqualTo(ScheduledRuns.instanceName(workflow, "tick", t));
      assertThat(i.getMetadata().getLabels()).containsEntry(Labels.TRIGGER, "tick");
      assertThat(Instant.parse(i.getSpec().params.get("scheduledTime").asText())).isEqualTo(t);
    }
  }

  static String event(String workflow, String reason) {
    return Cluster.await(
            reason + " event of " + workflow,
            () ->
                client.v1().events().inNamespace(NS).list().getItems().stream()
                    .filter(e -> workflow.equals(e.getInvolvedObject().getName()))
                    .filter(e -> reason.equals(e.getReason()))
                    .map(Event::getMessage)
                    .toList(),
            l -> !l.isEmpty(),
            WAIT)
        .toString();
  }
}
