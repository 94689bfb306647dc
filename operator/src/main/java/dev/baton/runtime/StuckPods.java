package dev.baton.runtime;

import dev.baton.api.Durations;
import dev.baton.flow.FlowEvent;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Steps that will not run by themselves soon: a pod Pending with a stuck container (an image that
 * does not pull) or unschedulable, and a Job that has made no pod within {@link #NO_POD_GRACE}.
 * {@link Observations} reports them to the engine as {@link FlowEvent.StepStuck}.
 */
public final class StuckPods {
  private StuckPods() {}

  /**
   * How long a Job may have no pod before it counts as stuck: the Job controller makes a pod within
   * a second or two, unless the API server refuses it (a quota, Pod Security).
   */
  public static final Duration NO_POD_GRACE = Duration.ofSeconds(5);

  /** Container waiting reasons that mean the pod will not run by itself soon. */
  private static final Set<String> STUCK_WAITING =
      Set.of(
          "ErrImagePull",
          "ImagePullBackOff",
          "InvalidImageName",
          "ErrImageNeverPull",
          "CreateContainerConfigError",
          "CreateContainerError",
          "RunContainerError");

  /** Why a Job has no pod, from the API server's Events about it; null when none says. */
  @FunctionalInterface
  public interface NoPodReasons {
    NoPodReasons NONE = job -> null;

    /** The message of the newest FailedCreate Event of {@code job}, or null. */
    String failedCreate(Job job);
  }

  /**
   * When a pod-less, unfinished Job of {@code pass} reaches {@link #NO_POD_GRACE}, if any is to.
   */
  public static Optional<Duration> noPodRecheck(RunObjects.Pass pass, Instant now) {
    Duration soonest = null;
    for (RunObjects.Seen s : pass.podless()) {
      Instant created = s.facts.created() == null ? now : s.facts.created();
      Duration left = Duration.between(now, created.plus(NO_POD_GRACE));
      if (!left.isNegative() && (soonest == null || left.compareTo(soonest) < 0)) soonest = left;
    }
    return Optional.ofNullable(soonest).map(d -> d.plusMillis(100));
  }

  /**
   * A Job with no pod, unfinished, past the grace: stuck, with the Events' reason when they give
   * one.
   */
  static Optional<FlowEvent> noPodEvent(
      Observations.StepRef r, Job job, Instant now, NoPodReasons noPod) {
    Instant created = created(job.getMetadata(), now);
    if (now.isBefore(created.plus(NO_POD_GRACE))) return Optional.empty();
    String why = noPod.failedCreate(job);
    if (why != null)
      return Optional.of(
          new FlowEvent.StepStuck(r.path(), r.attempt(), "FailedCreate", why, created, now));
    return Optional.of(
        new FlowEvent.StepStuck(
            r.path(),
            r.attempt(),
            "NoPod",
            "the Job has made no pod in " + Durations.format(NO_POD_GRACE),
            created,
            now));
  }

  private static Instant created(io.fabric8.kubernetes.api.model.ObjectMeta meta, Instant now) {
    Instant t = instant(meta.getCreationTimestamp());
    return t == null ? now : t;
  }

  static Instant instant(String t) {
    if (t == null) return null;
    try {
      return Instant.parse(t);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Why a Pending pod is stuck: a stuck container's waiting reason, or Unschedulable; else null.
   */
  static String reason(Pod pod) {
    return stuck(pod).map(Stuck::reason).orElse(null);
  }

  record Stuck(String reason, String message, Instant since) {}

  static Optional<Stuck> stuck(Pod pod) {
    var st = pod.getStatus();
    if (st == null || !"Pending".equals(st.getPhase())) return Optional.empty();
    List<ContainerStatus> statuses = new ArrayList<>();
    if (st.getInitContainerStatuses() != null) statuses.addAll(st.getInitContainerStatuses());
    if (st.getContainerStatuses() != null) statuses.addAll(st.getContainerStatuses());
    Instant started = instant(st.getStartTime());
    if (started == null) started = instant(pod.getMetadata().getCreationTimestamp());
    for (ContainerStatus cs : statuses) {
      var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
      if (waiting != null && STUCK_WAITING.contains(waiting.getReason())) {
        return Optional.of(new Stuck(waiting.getReason(), waiting.getMessage(), started));
      }
    }
    if (st.getConditions() != null) {
      for (PodCondition c : st.getConditions()) {
        if ("PodScheduled".equals(c.getType())
            && "False".equals(c.getStatus())
            && "Unschedulable".equals(c.getReason())) {
          Instant since = instant(c.getLastTransitionTime());
          return Optional.of(
              new Stuck("Unschedulable", c.getMessage(), since != null ? since : started));
        }
      }
    }
    return Optional.empty();
  }
}
