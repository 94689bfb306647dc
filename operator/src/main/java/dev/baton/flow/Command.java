package dev.baton.flow;

import dev.baton.api.JobTemplate;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the engine asks the runtime to do. The runtime reports outcomes back as events. */
public sealed interface Command {

  /**
   * Create the Job of one attempt, with every ${...} already rendered. Creating it twice is
   * harmless: the name is deterministic, and an AlreadyExists counts as launched once the existing
   * Job proves to be this instance's, step's and attempt's. A create with an unclear outcome is
   * retried under the same name; the step stays Launching meanwhile.
   *
   * @param timeout the attempt's deadline, or null
   * @param runDeadline when the run times out, or null: the Job's activeDeadlineSeconds is at most
   *     the time left until then, a backstop in the cluster should the run's end not reach the Job
   * @param decidedAt the time of the event the engine launched the attempt on: the observation that
   *     made the step runnable (an upstream's end, say), or the retry timer's
   */
  record CreateJob(
      StepPath path,
      int attempt,
      String jobName,
      JobTemplate template,
      List<String> command,
      List<String> args,
      List<EnvVar> env,
      Map<String, String> params,
      Duration timeout,
      Instant decidedAt,
      Instant runDeadline)
      implements Command {
    /** With the path as text (see {@link StepPath#of}). */
    public CreateJob(
        String stepId,
        int attempt,
        String jobName,
        JobTemplate template,
        List<String> command,
        List<String> args,
        List<EnvVar> env,
        Map<String, String> params,
        Duration timeout,
        Instant decidedAt,
        Instant runDeadline) {
      this(
          StepPath.of(stepId),
          attempt,
          jobName,
          template,
          command,
          args,
          env,
          params,
          timeout,
          decidedAt,
          runDeadline);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /**
   * Create the child WorkflowInstance of a subworkflow step's attempt, owned by this instance.
   * Creating it twice is harmless, as for Jobs: the name is deterministic.
   *
   * @param path the step's path, as in every command and event
   * @param params rendered, by the child workflow's param name; the child converts them to its
   *     params' types
   */
  record CreateChild(
      StepPath path, int attempt, String childName, String workflow, Map<String, String> params)
      implements Command {
    /** With the path as text (see {@link StepPath#of}). */
    public CreateChild(
        String stepId, int attempt, String childName, String workflow, Map<String, String> params) {
      this(StepPath.of(stepId), attempt, childName, workflow, params);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /** Stop a child instance (set its spec.stop); one already finished or gone is fine. */
  record StopChild(StepPath path, int attempt, String childName) implements Command {
    /** With the path as text (see {@link StepPath#of}). */
    public StopChild(String stepId, int attempt, String childName) {
      this(StepPath.of(stepId), attempt, childName);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /** Delete a Job and its pods; a Job already gone is fine. */
  record DeleteJob(StepPath path, int attempt, String jobName) implements Command {
    /** With the path as text (see {@link StepPath#of}). */
    public DeleteJob(String stepId, int attempt, String jobName) {
      this(StepPath.of(stepId), attempt, jobName);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /**
   * An observation lacked the attempt's workload (a Job, or a child instance when {@code child}),
   * seen before. One informer snapshot may miss an object that is merely being updated, so ask the
   * API server: only if the workload is truly gone, report {@link FlowEvent.WorkloadGone}.
   */
  record ConfirmGone(StepPath path, int attempt, String name, boolean child) implements Command {
    /** With the path as text (see {@link StepPath#of}). */
    public ConfirmGone(String stepId, int attempt, String name, boolean child) {
      this(StepPath.of(stepId), attempt, name, child);
    }

    /** The path's text, as in labels and annotations. */
    public String stepId() {
      return path == null ? null : path.toString();
    }
  }

  /**
   * A signal step's attempt waits for a signal: report the first matching Signal as {@link
   * FlowEvent.SignalArrived}, a Signal that exists already (the oldest, by creation time then name)
   * or, if none does, the next to be added. Matching is {@code matcher} against {@code scope}: the
   * step's scope when the wait began, not to be changed. Asking again for the same attempt (after
   * an operator restart) is harmless: the engine takes the first report and ignores the rest.
   *
   * @param selector the selector in words, for logs
   */
  record AwaitSignal(
      StepPath path,
      int attempt,
      dev.baton.signals.SignalMatcher matcher,
      dev.baton.expr.Scope scope,
      String selector)
      implements Command {}

  /** The attempt no longer waits (timed out, stopped, skipped): forget its wait. */
  record CancelSignalWait(StepPath path, int attempt) implements Command {}

  /**
   * Create the Signals a step's attempt emits on success, in order. Each Signal's object name is a
   * pure function of (instance uid, run, step path, attempt, index), so a create retried after a
   * crash, or asked for again after an operator restart, meets AlreadyExists and is verified as
   * this attempt's. Reports {@link FlowEvent.SignalsEmitted} once all exist, or {@link
   * FlowEvent.SignalEmitFailed} when the API server refuses one for good; unclear outcomes are
   * retried.
   *
   * @param run the run's number, part of the names and of each Signal's source
   */
  record EmitSignals(StepPath path, int attempt, int run, List<SignalToEmit> signals)
      implements Command {}

  /**
   * One output signal, rendered.
   *
   * @param index its position in the step's {@code signals}
   * @param name the signal's type (spec.name)
   */
  record SignalToEmit(
      int index, String name, Map<String, com.fasterxml.jackson.databind.JsonNode> params) {}

  /** Deliver {@code TimerFired(key)} at {@code at}. */
  record SetTimer(TimerKey key, Instant at) implements Command {}

  /** The status changed; write it when the writer can (writes are coalesced). */
  record WriteStatus() implements Command {
    public static final WriteStatus INSTANCE = new WriteStatus();
  }
}
