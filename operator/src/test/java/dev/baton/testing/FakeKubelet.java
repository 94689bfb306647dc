package dev.baton.testing;

import dev.baton.runtime.Labels;
import dev.baton.runtime.Ownership;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Plays the Job controller and the kubelet on the mock server, which has neither: for each Job
 * Baton creates it makes the pod, runs it through Running to Succeeded or Failed, and sets the
 * Job's conditions. What a pod does comes from the same pod annotations the kwok stages of the
 * local cluster read (baton.dev/fake-exit-code, fake-message, fake-duration,
 * fake-fail-first-attempt; the first container's env BATON_FAKE_EXIT_CODE and BATON_FAKE_MESSAGE
 * when those are absent), or from a test's own {@link Behavior}. {@code baton.dev/fake-stuck} makes
 * a pod that never runs: ImagePullBackOff (or another waiting reason) leaves its container waiting,
 * Unschedulable its PodScheduled condition False, and FailedCreate makes no pod at all and records
 * the Job controller's FailedCreate Event instead.
 */
public final class FakeKubelet implements AutoCloseable {
  public sealed interface Behavior {
    record Succeed(String message) implements Behavior {}

    record Fail(int exitCode, String message) implements Behavior {}

    /**
     * The pod fails like {@link Fail}, but its Job is seen Failed first and the pod's end {@code
     * lag} later: the operator's Pod watch behind its Job watch, as under load.
     */
    record FailSeenLate(int exitCode, String message, Duration lag) implements Behavior {}

    /**
     * The pod fails like {@link Fail}, but the operator sees nothing of it before its Job is seen
     * Failed: the pod appears, already failed, {@code lag} after the Job's end, as when the Pod
     * watch falls behind or relists. The Job's Failed condition says it failed {@code endedAgo}
     * before it is written, as a Job that failed while the operator was cut off from the API server
     * looks once its Job watch has resumed.
     */
    record PodSeenLate(int exitCode, String message, Duration lag, Duration endedAgo)
        implements Behavior {
      public PodSeenLate(int exitCode, String message, Duration lag) {
        this(exitCode, message, lag, Duration.ZERO);
      }
    }

    /** The pod runs and never ends by itself. */
    record Hang() implements Behavior {}

    /** The pod is evicted: a platform failure. */
    record Evict() implements Behavior {}
  }

  public record Attempt(String instance, String step, int attempt) {}

  private static final String JOB_TRACKING = "batch.kubernetes.io/job-tracking";

  private final KubernetesClient client;
  private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(4);
  private final Map<Attempt, Behavior> overrides = new ConcurrentHashMap<>();
  private volatile Function<Attempt, Behavior> fallback = a -> null;
  private Watch watch;

  public FakeKubelet(KubernetesClient client) {
    this.client = client;
  }

  public FakeKubelet start() {
    watch =
        client
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .withLabel(Labels.INSTANCE)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    if (action == Action.ADDED) executor.execute(() -> run(job));
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    return this;
  }

  public void when(String instance, String step, int attempt, Behavior b) {
    overrides.put(new Attempt(instance, step, attempt), b);
  }

  public void otherwise(Function<Attempt, Behavior> f) {
    fallback = f;
  }

  private Behavior behaviorOf(Job job, Map<String, String> annotations, Attempt a) {
    Behavior b = overrides.get(a);
    if (b == null) b = fallback.apply(a);
    if (b != null) return b;
    String message =
        annotations.getOrDefault("baton.dev/fake-message", env(job, "BATON_FAKE_MESSAGE"));
    String firstFails = annotations.get("baton.dev/fake-fail-first-attempt");
    if (firstFails != null && a.attempt() == 1)
      return new Behavior.Fail(Integer.parseInt(firstFails), message);
    String code =
        annotations.getOrDefault("baton.dev/fake-exit-code", env(job, "BATON_FAKE_EXIT_CODE"));
    if (code != null && !code.equals("0"))
      return new Behavior.Fail(Integer.parseInt(code), message);
    return new Behavior.Succeed(message);
  }

  /**
   * A value from the first container's env, which Baton interpolates: the stand-in for the fake
   * annotations that lets a loop iteration fake its own result.
   */
  private static String env(Job job, String name) {
    var env = job.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv();
    if (env == null) return null;
    return env.stream()
        .filter(e -> name.equals(e.getName()))
        .map(e -> e.getValue())
        .findFirst()
        .orElse(null);
  }

  private void run(Job job) {
    try {
      var labels = new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
      labels.put("job-name", job.getMetadata().getName());
      Map<String, String> annotations =
          job.getSpec().getTemplate().getMetadata().getAnnotations() == null
              ? Map.of()
              : job.getSpec().getTemplate().getMetadata().getAnnotations();
      Attempt a =
          new Attempt(
              labels.get(Labels.INSTANCE),
              labels.get(Labels.STEP),
              Integer.parseInt(labels.get(Labels.ATTEMPT)));
      String ns = job.getMetadata().getNamespace();
      String stuck = annotations.get("baton.dev/fake-stuck");
      if ("FailedCreate".equals(stuck)) {
        refuse(job);
        return;
      }
      Behavior b = behaviorOf(job, annotations, a);
      if (b instanceof Behavior.PodSeenLate late) {
        setJob(
            ns,
            job.getMetadata().getName(),
            "Failed",
            "BackoffLimitExceeded",
            Instant.now().minus(late.endedAgo()));
        executor.schedule(
            () -> podSeenLate(job, labels, annotations, late),
            late.lag().toMillis(),
            TimeUnit.MILLISECONDS);
        return;
      }
      Pod pod = client.pods().inNamespace(ns).resource(podOf(job, labels, annotations)).create();
      if (stuck != null) {
        setStuck(pod, stuck);
        return;
      }
      setPod(pod, "Running", null, null, null);
      Duration d = parse(annotations.get("baton.dev/fake-duration"));
      Pod running = pod;
      executor.schedule(() -> finish(job, running, b), d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // The Job may be gone already (a stop, a test ending); nothing to play then.
    }
  }

  /** The owner reference the Job controller sets on the pods it makes for {@code job}. */
  public static OwnerReference controllerRef(Job job) {
    return new OwnerReferenceBuilder()
        .withApiVersion("batch/v1")
        .withKind("Job")
        .withName(job.getMetadata().getName())
        .withUid(job.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** The pod the Job controller makes for {@code job}, Pending. */
  private static Pod podOf(Job job, Map<String, String> labels, Map<String, String> annotations) {
    return new PodBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(job.getMetadata().getName() + "-p")
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(controllerRef(job))
                .build())
        .withSpec(job.getSpec().getTemplate().getSpec())
        .withStatus(new PodStatusBuilder().withPhase("Pending").build())
        .build();
  }

  private void podSeenLate(
      Job job,
      Map<String, String> labels,
      Map<String, String> annotations,
      Behavior.PodSeenLate b) {
    try {
      Pod pod =
          client
              .pods()
              .inNamespace(job.getMetadata().getNamespace())
              .resource(podOf(job, labels, annotations))
              .create();
      setPod(pod, "Failed", b.exitCode(), b.message(), null);
    } catch (RuntimeException e) {
      // The Job is gone meanwhile.
    }
  }

  private void finish(Job job, Pod pod, Behavior b) {
    try {
      String ns = job.getMetadata().getNamespace();
      switch (b) {
        case Behavior.Succeed s -> {
          setPod(pod, "Succeeded", 0, s.message(), null);
          setJob(ns, job.getMetadata().getName(), "Complete", "Completed");
        }
        case Behavior.Fail f -> {
          setPod(pod, "Failed", f.exitCode(), f.message(), null);
          setJob(ns, job.getMetadata().getName(), "Failed", "BackoffLimitExceeded");
        }
        case Behavior.FailSeenLate f -> {
          setJob(ns, job.getMetadata().getName(), "Failed", "BackoffLimitExceeded");
          executor.schedule(
              () -> {
                try {
                  setPod(pod, "Failed", f.exitCode(), f.message(), null);
                } catch (RuntimeException e) {
                  // Deleted meanwhile.
                }
              },
              f.lag().toMillis(),
              TimeUnit.MILLISECONDS);
        }
        case Behavior.Evict e -> {
          setPod(pod, "Failed", null, null, "Evicted");
          setJob(ns, job.getMetadata().getName(), "Failed", "BackoffLimitExceeded");
        }
        case Behavior.Hang h -> {}
        case Behavior.PodSeenLate late -> {}
      }
    } catch (RuntimeException e) {
      // Deleted meanwhile.
    }
  }

  private void setPod(Pod pod, String phase, Integer exitCode, String message, String reason) {
    var status = new PodStatusBuilder().withPhase(phase).withReason(reason);
    var cs =
        new ContainerStatusBuilder()
            .withName(pod.getSpec().getContainers().getFirst().getName())
            .withImage("fake");
    if (exitCode != null) {
      cs.withState(
          new ContainerStateBuilder()
              .withNewTerminated()
              .withExitCode(exitCode)
              .withMessage(message)
              .withReason(exitCode == 0 ? "Completed" : "Error")
              .withFinishedAt(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
              .endTerminated()
              .build());
    } else if (phase.equals("Running")) {
      cs.withState(
          new ContainerStateBuilder()
              .withNewRunning()
              .withStartedAt(Instant.now().toString())
              .endRunning()
              .build());
    }
    status.withContainerStatuses(cs.build());
    Pod latest =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .get();
    if (latest == null) return;
    latest.setStatus(status.build());
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(latest).updateStatus();
  }

  /**
   * A pod that stays Pending, for {@code reason}: Unschedulable, or a container's waiting reason.
   */
  private void setStuck(Pod pod, String reason) {
    String now = Instant.now().toString();
    var status = new PodStatusBuilder().withPhase("Pending");
    if (reason.equals("Unschedulable")) {
      status
          .addNewCondition()
          .withType("PodScheduled")
          .withStatus("False")
          .withReason("Unschedulable")
          .withMessage("0/3 nodes are available: 3 Insufficient memory.")
          .withLastTransitionTime(now)
          .endCondition();
    } else {
      status
          .withStartTime(now)
          .withContainerStatuses(
              new ContainerStatusBuilder()
                  .withName(pod.getSpec().getContainers().getFirst().getName())
                  .withImage("nope")
                  .withState(
                      new ContainerStateBuilder()
                          .withNewWaiting()
                          .withReason(reason)
                          .withMessage("Back-off pulling image \"nope\"")
                          .endWaiting()
                          .build())
                  .build());
    }
    Pod latest =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .get();
    if (latest == null) return;
    latest.setStatus(status.build());
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(latest).updateStatus();
  }

  /** The Job controller's answer to a pod the API server refused: no pod, an Event saying why. */
  private void refuse(Job job) {
    var meta = job.getMetadata();
    client
        .v1()
        .events()
        .inNamespace(meta.getNamespace())
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withName(meta.getName() + ".failedcreate")
                .withNamespace(meta.getNamespace())
                .endMetadata()
                .withInvolvedObject(
                    new ObjectReferenceBuilder()
                        .withKind("Job")
                        .withApiVersion("batch/v1")
                        .withName(meta.getName())
                        .withNamespace(meta.getNamespace())
                        .withUid(meta.getUid())
                        .build())
                .withReason("FailedCreate")
                .withType("Warning")
                .withMessage(
                    "Error creating: pods \""
                        + meta.getName()
                        + "-x\" is forbidden: violates PodSecurity \"restricted:latest\"")
                .withLastTimestamp(Instant.now().toString())
                .build())
        .create();
  }

  /**
   * {@code kubectl delete pod} of a running pod, as the API server and the kubelet play it: the pod
   * is marked for deletion {@code grace} from now; its container, sent SIGTERM, ends a moment later
   * with {@code exitCode} (a step that traps the signal), the pod {@code Failed}; a second later
   * (so that the operator judges the attempt from the pod) the Job controller fails the Job
   * (backoffLimit 0) and the pod is gone.
   */
  public void deleteRunningPod(Pod pod, Duration grace, int exitCode) {
    String ns = pod.getMetadata().getNamespace();
    Instant asked = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    // The Job controller's finalizer holds a pod being deleted until it has counted its end.
    Pod marked = client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).get();
    marked.getMetadata().setFinalizers(List.of(JOB_TRACKING));
    marked = client.pods().inNamespace(ns).resource(marked).update();
    marked.getMetadata().setDeletionTimestamp(asked.plus(grace).toString());
    marked.getMetadata().setDeletionGracePeriodSeconds(grace.toSeconds());
    Pod ended = client.pods().inNamespace(ns).resource(marked).update();
    setPod(ended, "Failed", exitCode, null, null);
    executor.schedule(
        () -> {
          try {
            setJob(ns, Ownership.jobName(ended), "Failed", "BackoffLimitExceeded");
            client
                .pods()
                .inNamespace(ns)
                .withName(ended.getMetadata().getName())
                .edit(p -> {
                  p.getMetadata().setFinalizers(List.of());
                  return p;
                });
          } catch (RuntimeException e) {
            // Gone meanwhile.
          }
        },
        1,
        TimeUnit.SECONDS);
  }

  private void setJob(String ns, String name, String type, String reason) {
    setJob(ns, name, type, reason, Instant.now());
  }

  private void setJob(String ns, String name, String type, String reason, Instant at) {
    Job latest = client.batch().v1().jobs().inNamespace(ns).withName(name).get();
    if (latest == null) return;
    latest.setStatus(
        new JobStatusBuilder()
            .withConditions(
                new JobConditionBuilder()
                    .withType(type)
                    .withStatus("True")
                    .withReason(reason)
                    .withLastTransitionTime(at.truncatedTo(ChronoUnit.SECONDS).toString())
                    .build())
            .withSucceeded(type.equals("Complete") ? 1 : 0)
            .withFailed(type.equals("Failed") ? 1 : 0)
            .build());
    client.batch().v1().jobs().inNamespace(ns).resource(latest).updateStatus();
  }

  private static Duration parse(String d) {
    if (d == null) return Duration.ZERO;
    return dev.baton.api.Durations.parse(d);
  }

  @Override
  public void close() {
    if (watch != null) watch.close();
    executor.shutdownNow();
  }
}
