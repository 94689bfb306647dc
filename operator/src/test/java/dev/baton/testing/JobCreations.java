package dev.baton.testing;

import dev.baton.runtime.Labels;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every Job creation the API server reports, counted by "instance/path#attempt": a step attempt, or
 * a loop iteration's, created twice is the bug the tests using this look for.
 */
public final class JobCreations implements AutoCloseable {
  private final Map<String, Integer> created = new ConcurrentHashMap<>();
  private final Watch watch;

  private JobCreations(KubernetesClient client) {
    watch =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(Cluster.NS)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    if (action == Action.ADDED) created.merge(key(job), 1, Integer::sum);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  /**
   * Starts counting; Jobs already in the namespace would show up as created, so delete them first.
   */
  public static JobCreations watch(KubernetesClient client) {
    return new JobCreations(client);
  }

  static String key(Job job) {
    var m = job.getMetadata();
    return m.getLabels().get(Labels.INSTANCE)
        + "/"
        + m.getAnnotations().get(Labels.STEP_PATH)
        + "#"
        + m.getLabels().get(Labels.ATTEMPT);
  }

  /** The creations of one instance, "path#attempt" to count, once there are {@code n}. */
  public Map<String, Integer> of(String instance, int n, Duration timeout) {
    return Cluster.await(
        "" + n + " Job creations of " + instance,
        () -> {
          Map<String, Integer> m = new TreeMap<>();
          created.forEach((k, v) -> {
            if (k.startsWith(instance + "/")) m.put(k.substring(instance.length() + 1), v);
          });
          return m;
        },
        m -> m.values().stream().mapToInt(Integer::intValue).sum() >= n,
        timeout);
  }

  /** Every "instance/path#attempt" created so far. */
  public Set<String> keys() {
    return created.keySet();
  }

  public void clear() {
    created.clear();
  }

  @Override
  public void close() {
    watch.close();
  }
}
