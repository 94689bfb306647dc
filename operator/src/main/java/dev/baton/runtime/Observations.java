package dev.baton.runtime;

import dev.baton.flow.FailureKind;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.StepPath;
import dev.baton.util.Text;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Turns what the informers hold about an instance's Jobs and Pods into engine events. Level based:
 * it reports the current facts every time, and the engine ignores the ones it knows. A pod's
 * terminal phase is the first sign a step ended (the Job controller batches its own updates); the
 * Job's conditions are the fallback, and catch pods that never started.
 */
public final class Observations {
  private Observations() {}

  public static List<FlowEvent> of(Collection<Job> jobs, Collection<Pod> pods, Instant now) {
    return of(jobs, pods, now, StuckPods.NoPodReasons.NONE);
  }

  /**
   * Every event {@code jobs} and {@code pods} tell, all of which count (ownership was settled).
   *
   * @param noPod asked, only for a Job without a pod for longer than {@link
   *     StuckPods#NO_POD_GRACE}, why
   */
  public static List<FlowEvent> of(
      Collection<Job> jobs, Collection<Pod> pods, Instant now, StuckPods.NoPodReasons noPod) {
    return events(new RunObjects(null).observe(null, jobs, pods, now), now, noPod);
  }

  /**
   * What changed since the last report to this run ({@code reported}), of {@code jobs} and {@code
   * pods}, all of which count: {@link #events} of {@link RunObjects#observe}.
   */
  public static List<FlowEvent> changes(
      Collection<Job> jobs,
      Collection<Pod> pods,
      Instant now,
      StuckPods.NoPodReasons noPod,
      RunObjects reported) {
    return events(reported.observe(null, jobs, pods, now), now, noPod);
  }

  /**
   * The events of one pass: those about the step attempts whose Job or pods changed since the last
   * pass (every attempt, when the pass reports all), and of the Jobs that have no pod and have not
   * finished (whether they count as stuck depends on the time); always the {@link
   * FlowEvent.WorkloadsObserved} of them all. The events of an attempt whose objects did not change
   * were reported already: telling the engine again would change nothing, and over a foreach of n
   * iterations it would cost n events per reconcile.
   */
  public static List<FlowEvent> events(
      RunObjects.Pass pass, Instant now, StuckPods.NoPodReasons noPod) {
    List<FlowEvent> events = new ArrayList<>();
    for (RunObjects.Seen s : pass.reportedPods()) {
      podEvent(s.facts.ref(), s.pod(), now).ifPresent(events::add);
    }
    for (RunObjects.Seen s : pass.reportedJobs()) {
      StepRef r = s.facts.ref();
      String key = s.facts.key();
      events.add(new FlowEvent.StepLaunched(r.path(), r.attempt(), now));
      if (pass.podEnded(key)) continue;
      Optional<FlowEvent> ended = jobEvent(r, s.job(), now);
      if (ended.isPresent() && podWillDecide(ended.get(), pass, s, now)) continue;
      ended.ifPresent(events::add);
      if (ended.isEmpty() && !pass.withPod(key))
        StuckPods.noPodEvent(r, s.job(), now, noPod).ifPresent(events::add);
    }
    // A finished Job whose verdict waited for a pod that has not come: decided from the Job once
    // its wait is over, though nothing changed.
    for (RunObjects.Seen s : pass.awaitingPod()) {
      if (pass.reports(s.facts.key()) || now.isBefore(podDueBy(s.facts))) continue;
      jobEvent(s.facts.ref(), s.job(), now).ifPresent(events::add);
    }
    // A Job with no pod that has not finished may count as stuck now, though nothing changed.
    for (RunObjects.Seen s : pass.podless()) {
      if (pass.reports(s.facts.key())) continue;
      StuckPods.noPodEvent(s.facts.ref(), s.job(), now, noPod).ifPresent(events::add);
    }
    events.add(new FlowEvent.WorkloadsObserved(pass.present(), activeJobs(pass), now));
    return events;
  }

  /**
   * How long a finished Job whose attempt has no pod in the cache waits for one, from the moment
   * its Complete or Failed condition became true or, if later, the operator first saw it finished
   * (a Job watch resumed after an outage delivers Jobs that ended during it). The Job and Pod
   * informers are separate streams: a pod that started and ended quickly, or a Pod watch that fell
   * behind or is catching up, can leave the Job's verdict with no pod at all to tell it by.
   */
  public static final Duration POD_LAG_GRACE = Duration.ofSeconds(10);

  /**
   * Whether a finished Job's verdict waits for its pod's end, which is on its way: the Job and Pod
   * informers are separate streams, so the Job controller's verdict can arrive before the pod
   * update it was made from, or before the pod was seen at all. A Complete Job waits while its pod
   * is cached (the pod's end carries the outputs; succeeding from the Job now would lose them). A
   * Failed Job waits while its pod is cached, not terminal and not being deleted (the pod's end
   * tells the step's own non-zero exit, a user error, from the platform's failures; failing from
   * the Job now would count that exit as a platform error and retry it beyond {@code
   * retry.userErrors}), unless the Job failed for its deadline, a timeout whatever the pod says.
   * Either waits, with no pod cached at all, until {@link #POD_LAG_GRACE} after the Job finished
   * (as {@link ObjectFacts#endedAt} has it); then the Job is all there is to go by.
   */
  private static boolean podWillDecide(
      FlowEvent jobVerdict, RunObjects.Pass pass, RunObjects.Seen job, Instant now) {
    String key = job.facts.key();
    boolean podMayCome = !pass.withPod(key) && now.isBefore(podDueBy(job.facts));
    return switch (jobVerdict) {
      case FlowEvent.StepSucceeded s -> pass.withPod(key) || podMayCome;
      case FlowEvent.StepFailed f ->
          f.kind() != FailureKind.TIMEOUT && (pass.podStillRuns(key) || podMayCome);
      default -> false;
    };
  }

  /**
   * Until when a finished Job with no pod cached waits for one ({@link #POD_LAG_GRACE}); {@link
   * Instant#MIN} when its end is not known (facts not read through {@link RunObjects}).
   */
  static Instant podDueBy(ObjectFacts job) {
    return job.endedAt() == null ? Instant.MIN : job.endedAt().plus(POD_LAG_GRACE);
  }

  /** When the soonest wait of a finished Job for its pod is over, if any Job waits. */
  public static Optional<Duration> podWaitRecheck(RunObjects.Pass pass, Instant now) {
    Instant soonest = null;
    for (RunObjects.Seen s : pass.awaitingPod()) {
      Instant due = podDueBy(s.facts);
      if (due.isAfter(now) && (soonest == null || due.isBefore(soonest))) soonest = due;
    }
    return Optional.ofNullable(soonest).map(t -> Duration.between(now, t).plusMillis(100));
  }

  /**
   * The Jobs whose pod still runs: counted active by the Job controller, not finished, not being
   * deleted, and with no terminal pod seen.
   */
  static List<FlowEvent.ActiveJob> activeJobs(RunObjects.Pass pass) {
    List<FlowEvent.ActiveJob> active = new ArrayList<>(pass.running().size());
    for (RunObjects.Seen s : pass.running()) active.add(s.activeJob());
    return active;
  }

  /**
   * The Jobs whose pod still runs, for a run that has ended: all of them should be gone. A Job
   * whose pod is seen ended is not one of them, though the Job controller may not have said so yet
   * (it counts the pod active for a second or so after the pod's end, which ended the run).
   */
  public static List<Job> activeJobs(Collection<Job> jobs, Collection<Pod> pods) {
    Set<String> ended = new HashSet<>();
    for (Pod pod : pods) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) continue;
      for (OwnerReference ref : pod.getMetadata().getOwnerReferences()) {
        if (Boolean.TRUE.equals(ref.getController())) ended.add(ref.getUid());
      }
    }
    return jobs.stream()
        .filter(Observations::isActive)
        .filter(j -> !ended.contains(j.getMetadata().getUid()))
        .toList();
  }

  static boolean isActive(Job job) {
    if (job.getMetadata().getDeletionTimestamp() != null || job.getStatus() == null) return false;
    Integer running = job.getStatus().getActive();
    if (running == null || running == 0) return false;
    if (job.getStatus().getConditions() != null) {
      for (JobCondition c : job.getStatus().getConditions()) {
        if ("True".equals(c.getStatus())
            && ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))) return false;
      }
    }
    return true;
  }

  /**
   * Whether a Pod update can change what {@link #of} reports: its phase (with the container's
   * termination, which comes with the terminal phase), and while it is Pending, why it is stuck (a
   * container's waiting reason, the PodScheduled condition). A step's pod changes about five times
   * (created, bound, running, ended, its Job's finalizer removed); the others would each cost a
   * reconcile that tells the engine nothing new.
   */
  public static boolean podChangeMatters(Pod newer, Pod older) {
    return !Objects.equals(phase(newer), phase(older))
        || !Objects.equals(StuckPods.reason(newer), StuckPods.reason(older));
  }

  /**
   * When a finished Job's true Complete or Failed condition became true; null if it does not say.
   */
  static Instant endedAt(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) return null;
    for (JobCondition c : job.getStatus().getConditions()) {
      if ("True".equals(c.getStatus())
          && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())))
        return StuckPods.instant(c.getLastTransitionTime());
    }
    return null;
  }

  static boolean finished(Job job) {
    List<String> conditions = conditions(job);
    return conditions.contains("Complete=True") || conditions.contains("Failed=True");
  }

  /** Whether a Job update can change what {@link #of} reports: its conditions, or its labels. */
  public static boolean jobChangeMatters(Job newer, Job older) {
    return !Objects.equals(conditions(newer), conditions(older))
        || !Objects.equals(newer.getMetadata().getLabels(), older.getMetadata().getLabels())
        || !Objects.equals(
            newer.getMetadata().getAnnotations(), older.getMetadata().getAnnotations());
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  private static List<String> conditions(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) return List.of();
    List<String> out = new ArrayList<>();
    for (JobCondition c : job.getStatus().getConditions())
      out.add(c.getType() + "=" + c.getStatus());
    return out;
  }

  /** By step path, the newest attempt that has a Job. */
  public static Map<String, Integer> newestAttempts(Collection<Job> jobs) {
    Map<String, Integer> newest = new HashMap<>();
    for (Job job : jobs) {
      StepRef.of(job.getMetadata())
          .ifPresent(r -> newest.merge(r.stepId(), r.attempt(), Math::max));
    }
    return newest;
  }

  static Optional<FlowEvent> podEvent(StepRef r, Pod pod, Instant now) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (phase == null) return Optional.empty();
    return switch (phase) {
      case "Pending" -> {
        Optional<StuckPods.Stuck> stuck = StuckPods.stuck(pod);
        yield Optional.of(
            new FlowEvent.StepStuck(
                r.path(),
                r.attempt(),
                stuck.map(StuckPods.Stuck::reason).orElse(null),
                stuck.map(StuckPods.Stuck::message).orElse(null),
                stuck.map(StuckPods.Stuck::since).orElse(null),
                now));
      }
      case "Running" -> Optional.of(new FlowEvent.StepStarted(r.path(), r.attempt(), now));
      case "Succeeded" ->
          Optional.of(
              new FlowEvent.StepSucceeded(
                  r.path(),
                  r.attempt(),
                  terminated(pod).map(ContainerStateTerminated::getMessage).orElse(null),
                  now));
      case "Failed" -> Optional.of(podFailure(r, pod, now));
      default -> Optional.empty();
    };
  }

  private static FlowEvent podFailure(StepRef r, Pod pod, Instant now) {
    String reason = pod.getStatus().getReason();
    Optional<ContainerStateTerminated> term = terminated(pod);
    if ("DeadlineExceeded".equals(reason)) {
      return new FlowEvent.StepFailed(
          r.path(),
          r.attempt(),
          FailureKind.TIMEOUT,
          "the pod passed its activeDeadlineSeconds",
          null,
          now);
    }
    Optional<PodCondition> disrupted = disruption(pod);
    if (disrupted.isPresent()) {
      // Evicted through the API, preempted, its node gone: Kubernetes marks the pod before it
      // kills the container, whose exit (SIGTERM's 143, say) is then not the step's own doing.
      PodCondition c = disrupted.get();
      String why = c.getReason() != null ? c.getReason() : "DisruptionTarget";
      return platform(r, "pod disrupted: " + why + detail(c.getMessage()), now);
    }
    Integer exit = term.map(ContainerStateTerminated::getExitCode).orElse(null);
    if (exit != null && exit != 0 && endedByDeletion(pod, term.get())) {
      // The deletion's doing, not the step's: SIGTERM's 143, SIGKILL's 137, or whatever a step
      // that traps SIGTERM exits with.
      return platform(r, "pod deleted while it ran (exit code " + exit + ")", now);
    }
    if (exit != null && exit != 0) {
      var t = term.get();
      StringBuilder msg = new StringBuilder("exit code " + t.getExitCode());
      if (t.getReason() != null && !"Error".equals(t.getReason()))
        msg.append(" (").append(t.getReason()).append(')');
      if (t.getMessage() != null && !t.getMessage().isBlank())
        msg.append(": ").append(Text.abbreviate(t.getMessage().strip(), 200));
      return new FlowEvent.StepFailed(
          r.path(), r.attempt(), FailureKind.USER, msg.toString(), t.getExitCode(), now);
    }
    String why = reason != null ? reason : "the pod failed";
    return platform(r, "pod " + why + detail(pod.getStatus().getMessage()), now);
  }

  /**
   * Whether the container's non-zero exit came from its pod's deletion: it ended once the deletion
   * was asked (the deletion timestamp less its grace period; both to the second, so an end in the
   * same second counts). A container that had ended before (a pod garbage-collected after its
   * failure) ended on its own. Without the times to tell, only a signal's exit code (above 128)
   * while the pod is being deleted is taken for the deletion's.
   */
  static boolean endedByDeletion(Pod pod, ContainerStateTerminated t) {
    Instant deletion = StuckPods.instant(pod.getMetadata().getDeletionTimestamp());
    if (deletion == null) return false;
    Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
    Instant finished = StuckPods.instant(t.getFinishedAt());
    if (grace == null || finished == null) return t.getExitCode() > 128;
    Instant asked = deletion.minusSeconds(grace).truncatedTo(ChronoUnit.SECONDS);
    return !finished.truncatedTo(ChronoUnit.SECONDS).isBefore(asked);
  }

  private static FlowEvent platform(StepRef r, String message, Instant now) {
    return new FlowEvent.StepFailed(
        r.path(), r.attempt(), FailureKind.PLATFORM, message, null, now);
  }

  /** ": " and the text, shortened, to follow a failure's reason; "" when there is none. */
  private static String detail(String text) {
    return text == null ? "" : ": " + Text.abbreviate(text.strip(), 200);
  }

  /** The pod's {@code DisruptionTarget} condition, when it is true. */
  private static Optional<PodCondition> disruption(Pod pod) {
    if (pod.getStatus().getConditions() == null) return Optional.empty();
    return pod.getStatus().getConditions().stream()
        .filter(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  static Optional<FlowEvent> jobEvent(StepRef r, Job job, Instant now) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) return Optional.empty();
    for (JobCondition c : job.getStatus().getConditions()) {
      if (!"True".equals(c.getStatus())) continue;
      switch (c.getType()) {
        case "Complete" -> {
          return Optional.of(new FlowEvent.StepSucceeded(r.path(), r.attempt(), null, now));
        }
        case "Failed" -> {
          String reason = c.getReason() == null ? "Failed" : c.getReason();
          FailureKind kind =
              "DeadlineExceeded".equals(reason) ? FailureKind.TIMEOUT : FailureKind.PLATFORM;
          String msg = "the Job failed: " + reason + detail(c.getMessage());
          return Optional.of(new FlowEvent.StepFailed(r.path(), r.attempt(), kind, msg, null, now));
        }
        default -> {}
      }
    }
    return Optional.empty();
  }

  /** The main container's terminated state: the one named "main", else the first. */
  static Optional<ContainerStateTerminated> terminated(Pod pod) {
    List<ContainerStatus> statuses =
        pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses();
    if (statuses == null || statuses.isEmpty()) return Optional.empty();
    ContainerStatus main =
        statuses.stream()
            .filter(s -> Labels.MAIN_CONTAINER.equals(s.getName()))
            .findFirst()
            .orElse(statuses.getFirst());
    if (main.getState() == null || main.getState().getTerminated() == null) return Optional.empty();
    return Optional.of(main.getState().getTerminated());
  }

  /**
   * The step attempt a Job or Pod belongs to: the instance and attempt from its labels, the step's
   * path from its annotation (the label holds only a hash of a long path).
   */
  public record StepRef(String instance, String stepId, int attempt) {
    /**
     * The path {@code stepId} names, or null when it names none: events about no path are ignored,
     * and a running Job of none is reaped.
     */
    public StepPath path() {
      return StepPath.parse(stepId);
    }

    String key() {
      return stepId + "#" + attempt;
    }

    public static Optional<StepRef> of(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
      if (meta == null) return Optional.empty();
      String path =
          meta.getAnnotations() == null ? null : meta.getAnnotations().get(Labels.STEP_PATH);
      return of(meta.getLabels(), path);
    }

    /**
     * @param path the step-path annotation, or null for objects made before paths existed
     */
    public static Optional<StepRef> of(Map<String, String> labels, String path) {
      if (labels == null) return Optional.empty();
      String instance = labels.get(Labels.INSTANCE);
      String step = path != null ? path : labels.get(Labels.STEP);
      String attempt = labels.get(Labels.ATTEMPT);
      if (instance == null || step == null || attempt == null) return Optional.empty();
      try {
        return Optional.of(new StepRef(instance, step, Integer.parseInt(attempt)));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }
}
