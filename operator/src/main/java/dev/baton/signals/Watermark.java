package dev.baton.signals;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Which signals a trigger sees: those created at or after its watermark ({@code since}). A trigger
 * in the Workflow's first version (generation 1) takes the Workflow's creation time, so signals
 * sent between creating the Workflow and the operator noticing it still count; a trigger added
 * later takes the time the operator first saw it. Signals older than that never start runs of it.
 *
 * <p>Creation timestamps are whole seconds, so {@code since} is cut to the second and compared
 * inclusively: a signal created in the same second as the trigger counts.
 */
public final class Watermark {
  private Watermark() {}

  /**
   * The watermark of a trigger the status does not have one for yet.
   *
   * @param generation the Workflow's metadata.generation being looked at
   */
  public static Instant since(long generation, Instant workflowCreated, Instant now) {
    Instant t = generation <= 1 && workflowCreated != null ? workflowCreated : now;
    return t.truncatedTo(ChronoUnit.SECONDS);
  }

  /** Whether a signal created at {@code created} counts for a trigger with this watermark. */
  public static boolean counts(Instant created, Instant since) {
    return since != null && created != null && !created.isBefore(since);
  }
}
