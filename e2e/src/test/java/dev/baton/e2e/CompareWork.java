package dev.baton.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The work CompareBenchmark gives every orchestrator: the 20-step DAG of e2e/bench.sh (root, three
 * layers of six, join) and a 20-step chain, each step one pod that kwok completes at once, written
 * once as Baton Workflows and once as Argo Workflows (a DAG template; no outputs, so Argo's
 * controller waits for no task result that a kwok pod could never write).
 */
final class CompareWork {
  static final int CHAIN = 20;

  /**
   * DAG instances Baton runs, unmeasured, before it is measured: the JVM's JIT warm-up. After a
   * warm-up of 20 (e2e/bench.sh), a JFR recording of the operator still showed its C2 compiler
   * threads taking 29% of its CPU during the measured run; README gives the numbers with 40.
   */
  static final int BATON_WARM_UP = 40;

  /** A shape: each step's upstream steps, in topological order. */
  record Shape(String name, Map<String, List<String>> deps) {
    int steps() {
      return deps.size();
    }
  }

  static final Shape DAG = dag();
  static final Shape CHAIN_SHAPE = chain();

  private CompareWork() {}

  private static Shape dag() {
    Map<String, List<String>> deps = new LinkedHashMap<>();
    deps.put("root", List.of());
    List<String> previous = List.of("root");
    for (int layer = 0; layer < ClusterBenchmark.LAYERS; layer++) {
      List<String> ids = ClusterBenchmark.ids(layer);
      for (String id : ids) deps.put(id, previous);
      previous = ids;
    }
    deps.put("join", previous);
    return new Shape("dag", deps);
  }

  private static Shape chain() {
    Map<String, List<String>> deps = new LinkedHashMap<>();
    String previous = null;
    for (int i = 0; i < CHAIN; i++) {
      String id = String.format("s%02d", i);
      deps.put(id, previous == null ? List.of() : List.of(previous));
      previous = id;
    }
    return new Shape("chain", deps);
  }

  /** A one-step shape: the readiness probe run before anything is measured. */
  static final Shape PROBE = new Shape("probe", Map.of("only", List.of()));

  /**
   * Baton's Workflow named after the shape; every instance may run at once, and every finished one
   * is kept (the default keeps 100: the warm-up and the measured runs of the DAG are more).
   */
  static String batonWorkflow(Shape shape) {
    StringBuilder y =
        new StringBuilder(
            """
            apiVersion: baton.dev/v1alpha1
            kind: Workflow
            metadata:
              name: %s
            spec:
              runStrategy: {type: Parallel, concurrency: 10000}
              retention: {succeeded: All, failed: All}
              steps:
            """
                .formatted(shape.name()));
    for (var e : shape.deps().entrySet()) {
      y.append("    - {id: ")
          .append(e.getKey())
          .append(", dependsOn: ")
          .append(e.getValue())
          .append(", job: {image: 'busybox:1.36', command: [sh, -c, 'true']}}\n");
    }
    return y.toString();
  }

  /** An Argo Workflow running the shape as a DAG template of one container template. */
  static String argoWorkflow(Shape shape, String name) {
    StringBuilder y =
        new StringBuilder(
            """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata:
              name: %s
            spec:
              entrypoint: main
              templates:
                - name: step
                  container: {image: 'busybox:1.36', command: [sh, -c, 'true']}
                - name: main
                  dag:
                    tasks:
            """
                .formatted(name));
    for (var e : shape.deps().entrySet()) {
      y.append("            - {name: ").append(e.getKey()).append(", template: step");
      if (!e.getValue().isEmpty()) y.append(", dependencies: ").append(e.getValue());
      y.append("}\n");
    }
    return y.toString();
  }

  static List<String> names(String prefix, int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) names.add(prefix + i);
    return names;
  }
}
