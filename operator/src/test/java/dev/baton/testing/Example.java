package dev.baton.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A file of examples/ and the outcome its header promises, in a line such as {@code # expect:
 * phase=Succeeded step.load=Succeeded attempts.flaky=2 output.count.rows=42}. Also: {@code
 * progress=3/4}, {@code rollup=15/15} (leaf steps), {@code rollup.Succeeded=15}, {@code run=2}, and
 * {@code loop.<step>.succeeded|unsuccessful|total} (a loop's index ranges and size). The
 * mock-server tests and the end-to-end tests check the same promises.
 */
public record Example(Path file, String text, Map<String, String> expectations) {

  public static List<Example> all() {
    Path dir = Cluster.repoRoot().resolve("examples");
    try (Stream<Path> files = Files.list(dir)) {
      List<Example> examples = new ArrayList<>();
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        examples.add(parse(f));
      }
      return examples;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Example parse(Path f) throws IOException {
    String text = Files.readString(f);
    Map<String, String> expect = new LinkedHashMap<>();
    for (String line : text.lines().toList()) {
      if (line.startsWith("# expect:")) {
        for (String kv : line.substring("# expect:".length()).trim().split("\\s+")) {
          int eq = kv.indexOf('=');
          expect.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
      }
    }
    return new Example(f, text, expect);
  }

  /**
   * The instance a run file made: itself for a WorkflowInstance; for a Signal, the run its trigger
   * started, found by the signal's lineage label once it exists.
   */
  public static String runOf(
      io.fabric8.kubernetes.client.KubernetesClient client,
      io.fabric8.kubernetes.api.model.HasMetadata created,
      java.time.Duration timeout) {
    if (!"Signal".equals(created.getKind())) return created.getMetadata().getName();
    String ns = created.getMetadata().getNamespace();
    return Cluster.await(
            "the run signal " + created.getMetadata().getName() + " started",
            () ->
                client
                    .resources(WorkflowInstance.class)
                    .inNamespace(ns)
                    .withLabel(
                        dev.baton.runtime.Labels.SIGNAL_PREFIX + created.getMetadata().getUid())
                    .list()
                    .getItems(),
            l -> l.size() == 1,
            timeout)
        .getFirst()
        .getMetadata()
        .getName();
  }

  public boolean isRun() {
    return !expectations.isEmpty();
  }

  public String name() {
    return file.getFileName().toString();
  }

  /** Checks a finished instance against every expectation of the header. */
  public void check(WorkflowInstance done) {
    var st = done.getStatus();
    for (var e : expectations.entrySet()) {
      String key = e.getKey();
      String want = e.getValue();
      String as = name() + ": " + key;
      if (key.equals("phase")) {
        assertThat(st.phase.name()).as(as + " (message: " + st.message + ")").isEqualTo(want);
      } else if (key.equals("progress")) {
        assertThat(st.progress).as(as).isEqualTo(want);
      } else if (key.startsWith("step.")) {
        assertThat(step(st.steps, key.substring(5)).state.name()).as(as).isEqualTo(want);
      } else if (key.startsWith("attempts.")) {
        assertThat(step(st.steps, key.substring(9)).attempt).as(as).hasToString(want);
      } else if (key.equals("rollup")) {
        assertThat(st.rollup).as(as).isNotNull();
        assertThat(st.rollup.progress).as(as).isEqualTo(want);
      } else if (key.startsWith("rollup.")) {
        assertThat(st.rollup).as(as).isNotNull();
        assertThat(st.rollup.states).as(as).containsEntry(key.substring(7), Long.parseLong(want));
      } else if (key.equals("run")) {
        assertThat(st.run).as(as).hasToString(want);
      } else if (key.startsWith("loop.")) {
        String[] parts = key.substring(5).split("\\.", 2);
        var loop = step(st.steps, parts[0]).loop;
        assertThat(loop).as(as).isNotNull();
        Object got =
            switch (parts[1]) {
              case "succeeded" -> loop.succeeded;
              case "unsuccessful" -> loop.unsuccessful;
              case "total" -> loop.total;
              default ->
                  throw new IllegalArgumentException(name() + ": unknown expectation " + key);
            };
        assertThat(got).as(as).hasToString(want);
      } else if (key.startsWith("output.")) {
        String[] parts = key.substring(7).split("\\.", 2);
        var outputs = step(st.steps, parts[0]).outputs;
        // output.<step>.<key>, or deeper: output.<step>.<child step>.<key> for a subworkflow's.
        String[] path = parts[1].split("\\.");
        assertThat(outputs).as(as).containsKey(path[0]);
        com.fasterxml.jackson.databind.JsonNode value = outputs.get(path[0]);
        for (int k = 1; k < path.length; k++) value = value.path(path[k]);
        assertThat(value.asText()).as(as).isEqualTo(want);
      } else {
        throw new IllegalArgumentException(name() + ": unknown expectation " + key);
      }
    }
  }

  private StepStatus step(Map<String, StepStatus> steps, String id) {
    assertThat(steps).as(name() + ": steps").containsKey(id);
    return steps.get(id);
  }
}
