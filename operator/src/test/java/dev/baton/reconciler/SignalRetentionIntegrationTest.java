package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.BatonConfig;
import dev.baton.api.Signal;
import dev.baton.api.SignalSpec;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Signal retention through the real operator on the mock API server, with a tiny count (3) and TTL
 * (20 s): the oldest Signals beyond the count go first, then every Signal past the TTL, and the
 * runs they started stay.
 */
class SignalRetentionIntegrationTest extends OperatorOnMockServer {
  static final int MAX = 3;
  static final Duration TTL = Duration.ofSeconds(20);

  @Override
  BatonConfig config() {
    return Cluster.config().withSignalRetention(TTL, MAX);
  }

  Signal signal(String object) {
    Signal s = new Signal();
    s.setMetadata(new ObjectMetaBuilder().withName(object).withNamespace(Cluster.NS).build());
    s.setSpec(new SignalSpec());
    s.getSpec().name = "table-ready";
    s.getSpec().params = Map.of();
    return client.resource(s).inNamespace(Cluster.NS).create();
  }

  Set<String> signalNames() {
    return client.resources(Signal.class).inNamespace(Cluster.NS).list().getItems().stream()
        .map(s -> s.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  List<WorkflowInstance> runs() {
    return client
        .resources(WorkflowInstance.class)
        .inNamespace(Cluster.NS)
        .withLabel(Labels.TRIGGER, "on-table")
        .list()
        .getItems();
  }

  static Instant created(Signal s) {
    return Instant.parse(s.getMetadata().getCreationTimestamp());
  }

  @Test
  void theOldestBeyondTheCountThenAllPastTheTtlAreDeletedAndTheirRunsStay() throws Exception {
    cluster.apply(
        """
        apiVersion: baton.dev/v1alpha1
        kind: Workflow
        metadata: {name: load}
        spec:
          runStrategy: {type: Parallel, concurrency: 10}
          steps: [{id: done, type: noop}]
          triggers:
            signals: [{name: on-table, signals: [{name: table-ready}]}]
        """);
    Cluster.await(
        "the trigger active",
        () -> cluster.workflow("load"),
        w ->
            w.getStatus() != null
                && w.getStatus().signalTriggers != null
                && w.getStatus().signalTriggers.stream().allMatch(t -> t.since != null),
        Duration.ofSeconds(30));
    // "y" and "z" a second before "a", "b" and "c": arrival order is by time before name, so
    // the two to go beyond the count of 3 are y and z, not a and b.
    Signal z = signal("z");
    Signal y = signal("y");
    Thread.sleep(1100);
    Signal a = signal("a");
    assertThat(created(a)).as("a is created a second after z").isAfter(created(z));
    List<String> uids =
        List.of(z, y, a, signal("b"), signal("c")).stream()
            .map(s -> s.getMetadata().getUid())
            .toList();

    // The count is checked at most every 10 s per namespace, the burst's check deferred to then.
    Cluster.await(
        "the two oldest signals deleted",
        this::signalNames,
        n -> n.equals(Set.of("a", "b", "c")),
        Duration.ofSeconds(30));
    assertThat(runs()).as("every signal started its run before it went").hasSize(5);

    Cluster.await(
        "every signal past the TTL deleted", this::signalNames, Set::isEmpty, TTL.plusSeconds(20));
    List<WorkflowInstance> runs = runs();
    assertThat(runs).hasSize(5);
    for (String uid : uids) {
      assertThat(runs)
          .as("the run of signal uid " + uid + " stays")
          .anyMatch(r -> r.getMetadata().getLabels().containsKey(Labels.SIGNAL_PREFIX + uid));
    }
  }
}
