package dev.baton.flow;

/**
 * What a timer is for. A fired timer whose attempt is no longer current is ignored, so timers are
 * never cancelled one by one.
 *
 * @param path the step occurrence's path; null for the workflow timeout
 */
public record TimerKey(Kind kind, StepPath path, int attempt) {
  public enum Kind {
    /** The workflow timeout; the path is null. */
    WORKFLOW_TIMEOUT,
    STEP_TIMEOUT,
    RETRY,
    SLEEP,
    /** The pending deadline of an attempt whose pod is stuck (see FlowEvent.StepStuck). */
    STUCK,
    /** A signal step's signal.timeout: no matching signal came in time. */
    SIGNAL_TIMEOUT
  }

  /** With the path as text (see {@link StepPath#of}). */
  public TimerKey(Kind kind, String stepId, int attempt) {
    this(kind, StepPath.of(stepId), attempt);
  }

  public static TimerKey workflowTimeout() {
    return new TimerKey(Kind.WORKFLOW_TIMEOUT, (StepPath) null, 0);
  }

  /** The path's text, as in labels and annotations; null for the workflow timeout. */
  public String stepId() {
    return path == null ? null : path.toString();
  }
}
