package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.StepState;
import java.time.Instant;
import java.util.Map;

/**
 * What a collaborator of {@link InstanceFlow} may report about a step; the run's rules decide what
 * follows (dependents start, a retry, the frame fails).
 */
interface StepOutcomes {
  /**
   * The step is now in {@code next}; {@code why} becomes its message (kept when Running and null).
   */
  void moved(Frame f, int i, StepState next, String why);

  /**
   * The step's work succeeded with {@code outputs}; it is Succeeded once its output signals, if
   * any, exist ({@link #emitted}).
   */
  void succeeded(Frame f, int i, Map<String, JsonNode> outputs, Instant now);

  /** The step's output signals exist: it is Succeeded, with the outputs kept meanwhile. */
  void emitted(Frame f, int i, Instant now);

  /** The current attempt failed; it may be retried. */
  void attemptFailed(Frame f, int i, FailureKind kind, String why, Integer exitCode, Instant now);

  /** A Retrying step's retry is due: it launches its next attempt, or waits for a permit. */
  void retryDue(Frame f, int i, Instant now);

  /** The step failed for good; its failure mode decides the rest. */
  void failed(Frame f, int i, FailureKind kind, String why, Instant now);
}
