package dev.baton.flow;

/**
 * What a timer is for. A fired timer whose attempt is no longer current is ignored, so timers are
 * never cancelled one by one.
 */
public record TimerKey(Kind kind, String stepId, int attempt) {
  public enum Kind {
    /** The workflow timeout; stepId is null. */
    WORKFLOW_TIMEOUT,
    STEP_TIMEOUT,
    RETRY,
    SLEEP,
    /** The pending deadline of an attempt whose pod is stuck (see FlowEvent.StepStuck). */
    STUCK
  }

  public static TimerKey workflowTimeout() {
    return new TimerKey(Kind.WORKFLOW_TIMEOUT, null, 0);
  }
}
