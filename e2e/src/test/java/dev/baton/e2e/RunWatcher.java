package dev.baton.e2e;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The independent watcher of CompareBenchmark, the same for every orchestrator: it timestamps the
 * pod watch events of one namespace as they arrive (a step's pod first seen, and first seen
 * Succeeded) and follows the runs (Baton's WorkflowInstances or Argo's Workflows) to their final
 * phase, all from watches, so that it adds no polling load.
 */
final class RunWatcher implements AutoCloseable {
  static final Set<String> FINAL = Set.of("Succeeded", "Failed", "Error", "TimedOut", "Stopped");

  final Map<String, Long> podAdded = new ConcurrentHashMap<>();
  final Map<String, Long> podSucceeded = new ConcurrentHashMap<>();
  final Map<String, String> ended = new ConcurrentHashMap<>();
  private final List<Watch> watches = new ArrayList<>();

  /**
   * @param stepKey "run/step" of a pod, or null for a pod that is no step
   * @param runs the runs' kind (apiVersion, kind), whose {@code status.phase} ends them
   */
  RunWatcher(
      KubernetesClient client,
      String ns,
      Function<Pod, String> stepKey,
      String apiVersion,
      String kind) {
    watches.add(
        client
            .pods()
            .inNamespace(ns)
            .watch(
                E2E.watcher((action, pod) -> {
                  long now = System.nanoTime();
                  String key = stepKey.apply(pod);
                  if (key == null) return;
                  podAdded.putIfAbsent(key, now);
                  if (pod.getStatus() != null && "Succeeded".equals(pod.getStatus().getPhase()))
                    podSucceeded.putIfAbsent(key, now);
                })));
    watches.add(
        client
            .genericKubernetesResources(apiVersion, kind)
            .inNamespace(ns)
            .watch(
                E2E.watcher((action, run) -> {
                  Object status = run.getAdditionalProperties().get("status");
                  if (status instanceof Map<?, ?> st
                      && st.get("phase") instanceof String phase
                      && FINAL.contains(phase)) {
                    ended.putIfAbsent(run.getMetadata().getName(), phase);
                  }
                })));
  }

  /** Baton's step pods: the instance and step labels its Jobs give their pods. */
  static String batonStep(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    if (labels == null || !labels.containsKey(dev.baton.runtime.Labels.INSTANCE)) return null;
    return ClusterBenchmark.key(labels);
  }

  /** Argo's step pods: the workflow label, and the node name "workflow.task" annotated on each. */
  static String argoStep(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (labels == null || annotations == null) return null;
    String wf = labels.get("workflows.argoproj.io/workflow");
    String node = annotations.get("workflows.argoproj.io/node-name");
    if (wf == null || node == null || !node.startsWith(wf + ".")) return null;
    return wf + "/" + node.substring(wf.length() + 1);
  }

  /** Waits until every run named has ended; throws unless all succeeded. */
  void awaitEnd(Collection<String> runs, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ended.keySet().containsAll(runs)) {
      if (System.nanoTime() > deadline) {
        long done = runs.stream().filter(ended::containsKey).count();
        throw new IllegalStateException(done + " of " + runs.size() + " runs ended in " + timeout);
      }
      Thread.sleep(50);
    }
    for (String run : runs) {
      if (!"Succeeded".equals(ended.get(run)))
        throw new IllegalStateException(run + " ended " + ended.get(run));
    }
  }

  /**
   * The hand-offs of these runs of the shape, in nanoseconds, sorted: for every step with upstream
   * steps, from the last upstream pod seen Succeeded to the step's pod first seen.
   */
  long[] handoffs(Collection<String> runs, CompareWork.Shape shape) {
    List<Long> h = new ArrayList<>();
    for (String run : runs) {
      for (var e : shape.deps().entrySet()) {
        if (e.getValue().isEmpty()) continue;
        Long created = podAdded.get(run + "/" + e.getKey());
        long latest = 0;
        for (String d : e.getValue())
          latest = Math.max(latest, podSucceeded.getOrDefault(run + "/" + d, 0L));
        if (created != null && latest > 0) h.add(created - latest);
      }
    }
    return h.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
  }
}
