package dev.baton.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.WorkflowInstance;
import dev.baton.testing.Cluster;
import dev.baton.testing.Example;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Applies every file in examples/ as written and checks the outcome its header states. */
@EnableKubernetesMockClient(crud = true)
class ExamplesIntegrationTest {
  static KubernetesClient client;
  static Cluster cluster;

  @BeforeAll
  static void start() {
    cluster = new Cluster(client).startOperator();
    for (Example e : Example.all()) {
      if (!e.isRun()) {
        List<HasMetadata> created = cluster.apply(e.text());
        assertThat(created)
            .as(e.name())
            .allSatisfy(o -> assertThat(o.getKind()).isEqualTo("Workflow"));
      }
    }
  }

  /**
   * Every Workflow of the examples is valid, including those no run file runs (a nightly schedule
   * is applied and validated; it does not fire during the test).
   */
  @org.junit.jupiter.api.Test
  void everyExampleWorkflowIsValid() {
    for (Example e : Example.all()) {
      if (e.isRun()) continue;
      for (var w : client.load(new java.io.ByteArrayInputStream(e.text().getBytes())).items()) {
        String name = w.getMetadata().getName();
        Cluster.await(
            e.name() + ": " + name + " Valid=True",
            () -> cluster.workflow(name),
            wf ->
                wf != null
                    && wf.getStatus() != null
                    && wf.getStatus().conditions.stream()
                        .anyMatch(c -> c.getType().equals("Valid") && c.getStatus().equals("True")),
            Duration.ofSeconds(30));
      }
    }
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Stream<Example> runs() {
    return Example.all().stream().filter(Example::isRun);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runs")
  void runsToTheOutcomeItsHeaderStates(Example example) {
    List<HasMetadata> created = cluster.apply(example.text());
    assertThat(created).hasSize(1);
    assertThat(created.getFirst().getKind()).isIn("WorkflowInstance", "Signal");
    String name = Example.runOf(client, created.getFirst(), Duration.ofSeconds(60));
    WorkflowInstance done = cluster.awaitFinal(name, Duration.ofSeconds(60));
    example.check(done);
  }

  static {
    // Examples name each file by its path in the test report.
    assertThat(Example.all()).isNotEmpty();
  }
}
