package dev.baton.bench;

import dev.baton.OperatorClient;
import dev.baton.api.WorkflowInstance;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What decoding the operator's watch events costs, with Fabric8's default serialization (the
 * baseline) and with the operator's ({@link OperatorClient}: managedFields skipped, Blackbird), one
 * after the other in one JVM, several rounds each. The events are one Pod, one Job and one
 * WorkflowInstance (a finished 20-step chain) as a local cluster sent them, managedFields included,
 * decoded in the mix of a step: five Pod events, five Job events and one instance event. Prints
 * microseconds per step's events and the ratio; asserts nothing. Run with
 * scripts/bench-watch-decode.sh.
 */
public final class WatchDecodeBenchmark {
  /** Events of one step, in the order of a step's life. */
  static final List<String> STEP = step();

  public record Result(double baselineMicros, double operatorMicros) {
    double ratio() {
      return operatorMicros / baselineMicros;
    }
  }

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    Result last = null;
    for (int round = 1; round <= rounds; round++) {
      last = measure(steps);
      System.out.printf(
          "round %d: %d steps' watch events (5 Pod, 5 Job, 1 instance each): Fabric8 default"
              + " %.1f us/step, operator %.1f us/step, operator/default %.2f%n",
          round, steps, last.baselineMicros(), last.operatorMicros(), last.ratio());
    }
  }

  /** Decodes {@code steps} steps' events with each serialization, the default first. */
  public static Result measure(int steps) {
    KubernetesSerialization baseline = new KubernetesSerialization();
    KubernetesSerialization operator = OperatorClient.serialization();
    baseline.registerKubernetesResource(WorkflowInstance.class);
    operator.registerKubernetesResource(WorkflowInstance.class);
    double a = microsPerStep(baseline, steps);
    double b = microsPerStep(operator, steps);
    return new Result(a, b);
  }

  private static double microsPerStep(KubernetesSerialization serialization, int steps) {
    long start = System.nanoTime();
    long names = 0;
    for (int i = 0; i < steps; i++) {
      for (String event : STEP) {
        WatchEvent decoded = serialization.unmarshal(event, WatchEvent.class);
        names += ((HasMetadata) decoded.getObject()).getMetadata().getName().length();
      }
    }
    if (names == 0) throw new IllegalStateException("nothing decoded");
    return (System.nanoTime() - start) / 1e3 / steps;
  }

  private static List<String> step() {
    String pod = event("watch-pod.json");
    String job = event("watch-job.json");
    String instance = event("watch-instance.json");
    return List.of(pod, job, pod, job, pod, job, pod, job, pod, job, instance);
  }

  private static String event(String resource) {
    try (InputStream in = WatchDecodeBenchmark.class.getResourceAsStream("/bench/" + resource)) {
      if (in == null) throw new IllegalStateException("missing test resource bench/" + resource);
      String object = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      return "{\"type\":\"MODIFIED\",\"object\":" + object + "}";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
