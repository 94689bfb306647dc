package dev.baton.runtime;

import dev.baton.util.Text;
import dev.baton.flow.FailureKind;
import dev.baton.flow.FlowEvent;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Instant;
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
 * Turns what the informers hold about an instance's Jobs and Pods into engine events. Level
 * based: it reports the current facts every time, and the engine ignores the ones it knows. A
 * pod's terminal phase is the first sign a step ended (the Job controller batches its own
 * updates); the Job's conditions are the fallback, and catch pods that never started.
 */
public final class Observations {
  private Observations() {}

  public static List<FlowEvent> of(Collection<Job> jobs, Collection<Pod> pods, Instant now) {
    List<FlowEvent> events = new ArrayList<>();
    Set<String> podTerminal = new HashSet<>();
    for (Pod pod : pods) {
      Optional<StepRef> ref = StepRef.of(pod.getMetadata());
      if (ref.isEmpty()) continue;
      podEvent(ref.get(), pod, now).ifPresent(e -> {
        events.add(e);
        if (!(e instanceof FlowEvent.StepStarted)) podTerminal.add(ref.get().key());
      });
    }
    for (Job job : jobs) {
      Optional<StepRef> ref = StepRef.of(job.getMetadata());
      if (ref.isEmpty()) continue;
      StepRef r = ref.get();
      events.add(new FlowEvent.StepLaunched(r.stepId(), r.attempt(), now));
      if (!podTerminal.contains(r.key())) {
        jobEvent(r, job, now).ifPresent(events::add);
      }
    }
    events.add(new FlowEvent.WorkloadsObserved(newestAttempts(jobs), activeJobs(jobs, podTerminal), now));
    return events;
  }

  /**
   * The Jobs whose pod still runs: counted active by the Job controller, not finished, not being
   * deleted, and with no terminal pod seen ({@code podTerminal}: "path#attempt").
   */
  static List<FlowEvent.ActiveJob> activeJobs(Collection<Job> jobs, Set<String> podTerminal) {
    List<FlowEvent.ActiveJob> active = new ArrayList<>();
    for (Job job : jobs) {
      if (!isActive(job)) continue;
      StepRef.of(job.getMetadata()).ifPresent(r -> {
        if (!podTerminal.contains(r.key())) active.add(new FlowEvent.ActiveJob(r.stepId(), r.attempt(), job.getMetadata().getName()));
      });
    }
    return active;
  }

  /** The Jobs whose pod still runs, for a run that has ended: all of them should be gone. */
  public static List<Job> activeJobs(Collection<Job> jobs) {
    return jobs.stream().filter(Observations::isActive).toList();
  }

  private static boolean isActive(Job job) {
    if (job.getMetadata().getDeletionTimestamp() != null || job.getStatus() == null) return false;
    Integer running = job.getStatus().getActive();
    if (running == null || running == 0) return false;
    if (job.getStatus().getConditions() != null) {
      for (JobCondition c : job.getStatus().getConditions()) {
        if ("True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))) return false;
      }
    }
    return true;
  }

  /**
   * The Jobs among {@code jobs} that belong to the instance with {@code uid}: not those owned by
   * another object of the same name. A child instance a restart deleted and made again, or an
   * instance deleted and created again, finds its predecessor's Jobs under its own name until the
   * garbage collector removes them, and they would pass for its own attempts. Jobs with no owner
   * (made by hand) are kept.
   */
  public static List<Job> owned(String uid, Collection<Job> jobs) {
    List<Job> owned = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      if (ownedBy(job, Set.of(uid))) owned.add(job);
    }
    return owned;
  }

  /** The Pods among {@code pods} of the Jobs {@link #owned} kept, for the same reason. */
  public static List<Pod> podsOf(Collection<Job> jobs, Collection<Pod> pods) {
    Set<String> uids = new HashSet<>();
    for (Job job : jobs) uids.add(job.getMetadata().getUid());
    List<Pod> kept = new ArrayList<>(pods.size());
    for (Pod pod : pods) {
      if (ownedBy(pod, uids)) kept.add(pod);
    }
    return kept;
  }

  private static boolean ownedBy(io.fabric8.kubernetes.api.model.HasMetadata object, Set<String> uids) {
    var refs = object.getMetadata().getOwnerReferences();
    if (refs == null || refs.isEmpty()) return true;
    return refs.stream().anyMatch(r -> !Boolean.TRUE.equals(r.getController()) || uids.contains(r.getUid()));
  }

  /**
   * Whether a Pod update can change what {@link #of} reports: only its phase is read (with the
   * container's termination, which comes with the terminal phase). A step's pod changes about
   * five times (created, bound, running, ended, its Job's finalizer removed); the others would
   * each cost a reconcile that tells the engine nothing new.
   */
  public static boolean podChangeMatters(Pod newer, Pod older) {
    return !Objects.equals(phase(newer), phase(older));
  }

  /** Whether a Job update can change what {@link #of} reports: its conditions, or its labels. */
  public static boolean jobChangeMatters(Job newer, Job older) {
    return !Objects.equals(conditions(newer), conditions(older))
        || !Objects.equals(newer.getMetadata().getLabels(), older.getMetadata().getLabels())
        || !Objects.equals(newer.getMetadata().getAnnotations(), older.getMetadata().getAnnotations());
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  private static List<String> conditions(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) return List.of();
    List<String> out = new ArrayList<>();
    for (JobCondition c : job.getStatus().getConditions()) out.add(c.getType() + "=" + c.getStatus());
    return out;
  }

  /** By step path, the newest attempt that has a Job. */
  public static Map<String, Integer> newestAttempts(Collection<Job> jobs) {
    Map<String, Integer> newest = new HashMap<>();
    for (Job job : jobs) {
      StepRef.of(job.getMetadata()).ifPresent(r -> newest.merge(r.stepId(), r.attempt(), Math::max));
    }
    return newest;
  }

  static Optional<FlowEvent> podEvent(StepRef r, Pod pod, Instant now) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (phase == null) return Optional.empty();
    return switch (phase) {
      case "Running" -> Optional.of(new FlowEvent.StepStarted(r.stepId(), r.attempt(), now));
      case "Succeeded" -> Optional.of(new FlowEvent.StepSucceeded(r.stepId(), r.attempt(), terminated(pod).map(ContainerStateTerminated::getMessage).orElse(null), now));
      case "Failed" -> Optional.of(podFailure(r, pod, now));
      default -> Optional.empty();
    };
  }

  private static FlowEvent podFailure(StepRef r, Pod pod, Instant now) {
    String reason = pod.getStatus().getReason();
    Optional<ContainerStateTerminated> term = terminated(pod);
    if ("DeadlineExceeded".equals(reason)) {
      return new FlowEvent.StepFailed(r.stepId(), r.attempt(), FailureKind.TIMEOUT, "the pod passed its activeDeadlineSeconds", null, now);
    }
    if (term.isPresent() && term.get().getExitCode() != null && term.get().getExitCode() != 0) {
      var t = term.get();
      StringBuilder msg = new StringBuilder("exit code " + t.getExitCode());
      if (t.getReason() != null && !"Error".equals(t.getReason())) msg.append(" (").append(t.getReason()).append(')');
      if (t.getMessage() != null && !t.getMessage().isBlank()) msg.append(": ").append(Text.abbreviate(t.getMessage().strip(), 200));
      return new FlowEvent.StepFailed(r.stepId(), r.attempt(), FailureKind.USER, msg.toString(), t.getExitCode(), now);
    }
    String why = reason != null ? reason : "the pod failed";
    String detail = pod.getStatus().getMessage();
    return new FlowEvent.StepFailed(
        r.stepId(), r.attempt(), FailureKind.PLATFORM, "pod " + why + (detail == null ? "" : ": " + Text.abbreviate(detail.strip(), 200)), null, now);
  }

  static Optional<FlowEvent> jobEvent(StepRef r, Job job, Instant now) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) return Optional.empty();
    for (JobCondition c : job.getStatus().getConditions()) {
      if (!"True".equals(c.getStatus())) continue;
      switch (c.getType()) {
        case "Complete" -> {
          return Optional.of(new FlowEvent.StepSucceeded(r.stepId(), r.attempt(), null, now));
        }
        case "Failed" -> {
          String reason = c.getReason() == null ? "Failed" : c.getReason();
          FailureKind kind = "DeadlineExceeded".equals(reason) ? FailureKind.TIMEOUT : FailureKind.PLATFORM;
          String msg = "the Job failed: " + reason + (c.getMessage() == null ? "" : ": " + Text.abbreviate(c.getMessage().strip(), 200));
          return Optional.of(new FlowEvent.StepFailed(r.stepId(), r.attempt(), kind, msg, null, now));
        }
        default -> {}
      }
    }
    return Optional.empty();
  }

  /** The main container's terminated state: the one named "main", else the first. */
  static Optional<ContainerStateTerminated> terminated(Pod pod) {
    List<ContainerStatus> statuses = pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses();
    if (statuses == null || statuses.isEmpty()) return Optional.empty();
    ContainerStatus main = statuses.stream().filter(s -> Labels.MAIN_CONTAINER.equals(s.getName())).findFirst().orElse(statuses.getFirst());
    if (main.getState() == null || main.getState().getTerminated() == null) return Optional.empty();
    return Optional.of(main.getState().getTerminated());
  }

  /**
   * The step attempt a Job or Pod belongs to: the instance and attempt from its labels, the step's
   * path from its annotation (the label holds only a hash of a long path).
   */
  public record StepRef(String instance, String stepId, int attempt) {
    String key() {
      return stepId + "#" + attempt;
    }

    public static Optional<StepRef> of(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
      if (meta == null) return Optional.empty();
      String path = meta.getAnnotations() == null ? null : meta.getAnnotations().get(Labels.STEP_PATH);
      return of(meta.getLabels(), path);
    }

    /** @param path the step-path annotation, or null for objects made before paths existed */
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
