package dev.baton.flow;

import java.time.Instant;

/**
 * What happens to a run. The runtime may report the same fact more than once (an informer resync, a
 * restart): events about an attempt that is no longer current, or a state already reached, are
 * ignored.
 */
public sealed interface FlowEvent {
  Instant at();

  /** The instance was created: start the steps with no dependencies. */
  record Start(Instant at) implements FlowEvent {}

  /**
   * The operator restarted: continue from the restored status. {@code launchedAttempts} holds, by
   * step path, the newest attempt whose workload exists in the cluster.
   */
  record Resume(java.util.Map<String, Integer> launchedAttempts, Instant at) implements FlowEvent {}

  /** The engine hit a bug handling this run: fail it rather than wedge it. */
  record InternalError(String message, Instant at) implements FlowEvent {}

  /**
   * The run's status cannot be written: it is over the status budget even trimmed, or the API
   * server refused it as too large. The run fails, its workloads stopped.
   */
  record StatusTooLarge(String message, Instant at) implements FlowEvent {}

  /** The user asked to stop the run. */
  record StopRequested(Instant at) implements FlowEvent {}

  /**
   * The attempt's workload exists: created now, or found already there. A step attempt's workload
   * is what runs it: a Job for a job step, a child instance for a subworkflow step.
   */
  record StepLaunched(StepPath path, int attempt, Instant at) implements FlowEvent {
    /** With the path as text (see {@link StepPath#of}). */
    public StepLaunched(String stepId, int attempt, Instant at) {
      this(StepPath.of(stepId), attempt, at);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /** The attempt's workload could not be created. */
  record StepLaunchFailed(StepPath path, int attempt, String message, boolean retryable, Instant at)
      implements FlowEvent {
    /** With the path as text (see {@link StepPath#of}). */
    public StepLaunchFailed(
        String stepId, int attempt, String message, boolean retryable, Instant at) {
      this(StepPath.of(stepId), attempt, message, retryable, at);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /**
   * The workloads (Jobs and child instances) of this instance that the informers hold now: by step
   * path, the newest attempt. One seen before and missing now may have been deleted under a running
   * step, or the snapshot may have missed it: the engine asks ({@link Command.ConfirmGone}).
   */
  record WorkloadsObserved(
      java.util.Map<String, Integer> present, java.util.List<ActiveJob> active, Instant at)
      implements FlowEvent {
    public WorkloadsObserved(java.util.Map<String, Integer> present, Instant at) {
      this(present, java.util.List.of(), at);
    }
  }

  /**
   * A Job whose pod still runs (the Job controller counts it active, and it has not finished): one
   * that is not its step's current attempt, or whose step has ended, is deleted again.
   */
  record ActiveJob(StepPath path, int attempt, String name) {
    /** With the path as text (see {@link StepPath#of}). */
    public ActiveJob(String stepId, int attempt, String name) {
      this(StepPath.of(stepId), attempt, name);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /**
   * The API server confirmed that the attempt's workload, seen before, is gone (not found, or
   * another object's under its name): the attempt failed, a platform failure.
   */
  record WorkloadGone(StepPath path, int attempt, Instant at) implements FlowEvent {
    /** With the path as text (see {@link StepPath#of}). */
    public WorkloadGone(String stepId, int attempt, Instant at) {
      this(StepPath.of(stepId), attempt, at);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /** The attempt's pod is running. */
  record StepStarted(StepPath path, int attempt, Instant at) implements FlowEvent {
    /** With the path as text (see {@link StepPath#of}). */
    public StepStarted(String stepId, int attempt, Instant at) {
      this(StepPath.of(stepId), attempt, at);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /** The attempt's container exited 0; {@code terminationMessage} holds its outputs, or null. */
  record StepSucceeded(StepPath path, int attempt, String terminationMessage, Instant at)
      implements FlowEvent {
    /** With the path as text (see {@link StepPath#of}). */
    public StepSucceeded(String stepId, int attempt, String terminationMessage, Instant at) {
      this(StepPath.of(stepId), attempt, terminationMessage, at);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /**
   * The attempt's pod has not run and may never: its image cannot be pulled, it cannot be
   * scheduled, or its Job has made no pod (a quota, Pod Security). Reported every time it is seen,
   * like the rest; {@code reason} null says the pod waits again without a known problem.
   *
   * @param reason what Kubernetes calls it (ImagePullBackOff, Unschedulable, FailedCreate...), or
   *     null
   * @param message Kubernetes' explanation, or null
   * @param since when it became stuck as far as the cluster says (the pod's start, the condition's
   *     transition, the Job's creation), or null for {@code at}
   */
  record StepStuck(
      StepPath path, int attempt, String reason, String message, Instant since, Instant at)
      implements FlowEvent {
    /** With the path as text (see {@link StepPath#of}). */
    public StepStuck(
        String stepId, int attempt, String reason, String message, Instant since, Instant at) {
      this(StepPath.of(stepId), attempt, reason, message, since, at);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }

    /** What a stuck step's message, and the failure of its attempt, start with. */
    public static final String PREFIX = "pod stuck: ";
  }

  /** The attempt ended without success. */
  record StepFailed(
      StepPath path, int attempt, FailureKind kind, String message, Integer exitCode, Instant at)
      implements FlowEvent {
    /** With the path as text (see {@link StepPath#of}). */
    public StepFailed(
        String stepId,
        int attempt,
        FailureKind kind,
        String message,
        Integer exitCode,
        Instant at) {
      this(StepPath.of(stepId), attempt, kind, message, exitCode, at);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  record TimerFired(TimerKey timer, Instant at) implements FlowEvent {}

  /**
   * A Signal matching the wait of a signal step's attempt exists (see {@link Command.AwaitSignal}).
   *
   * @param signal the Signal object's name
   * @param uid the Signal object's uid
   * @param params its spec.params
   */
  record SignalArrived(
      StepPath path,
      int attempt,
      String signal,
      String uid,
      java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> params,
      Instant at)
      implements FlowEvent {}

  /** Every output signal of the attempt exists, by object name in declaration order. */
  record SignalsEmitted(StepPath path, int attempt, java.util.List<String> names, Instant at)
      implements FlowEvent {}

  /** The API server refused an output signal of the attempt for good (forbidden, invalid). */
  record SignalEmitFailed(StepPath path, int attempt, String message, Instant at)
      implements FlowEvent {}

  /**
   * What a subworkflow step's child instance looks like now; reported every time, like Jobs. In
   * {@link WorkloadsObserved} and {@link Resume} a child is the attempt's workload.
   *
   * @param outputs the child's step outputs by child step id, once it Succeeded, else empty
   * @param rollup the child's rollup, or null before it has one
   */
  record ChildObserved(
      StepPath path,
      int attempt,
      dev.baton.api.InstancePhase phase,
      String message,
      java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> outputs,
      dev.baton.api.Rollup rollup,
      Instant at)
      implements FlowEvent {
    /** With the path as text (see {@link StepPath#of}). */
    public ChildObserved(
        String stepId,
        int attempt,
        dev.baton.api.InstancePhase phase,
        String message,
        java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> outputs,
        dev.baton.api.Rollup rollup,
        Instant at) {
      this(StepPath.of(stepId), attempt, phase, message, outputs, rollup, at);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /**
   * The user asked to skip these steps (spec.skip, sent on every reconcile): their unfinished
   * occurrences end Skipped, at any level, now and in iterations still to come.
   */
  record SkipRequested(java.util.Set<String> stepIds, Instant at) implements FlowEvent {}
}
