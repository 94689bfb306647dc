package dev.baton.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;

/**
 * What an AlreadyExists on creating a step attempt's workload (Job or child instance) means, from
 * the object the API server holds under the name. Only an object of this instance, step path and
 * attempt is the attempt's own; anything else must never pass for "launched".
 */
sealed interface NameClaim {
  /** Deleted since the create was refused: create again. */
  record Gone() implements NameClaim {}

  /** The attempt's own workload: created before, by this process or an earlier one. */
  record Ours() implements NameClaim {}

  /**
   * Owned by another object of the instance's name (a deleted namesake the collector has not
   * reached yet).
   */
  record OtherOwner() implements NameClaim {}

  /** Another step's or another attempt's workload under the same name: a name collision. */
  record Collision(String found) implements NameClaim {}

  /**
   * @param existing what a GET of the name returned, or null
   * @param owned whether {@code existing} belongs to the instance creating it
   */
  static NameClaim of(HasMetadata existing, boolean owned, String stepPath, int attempt) {
    if (existing == null) return new Gone();
    if (!owned) return new OtherOwner();
    Map<String, String> labels =
        existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels();
    Map<String, String> annotations =
        existing.getMetadata().getAnnotations() == null
            ? Map.of()
            : existing.getMetadata().getAnnotations();
    String path = annotations.get(Labels.STEP_PATH);
    String step = labels.get(Labels.STEP);
    String hisAttempt = labels.get(Labels.ATTEMPT);
    boolean samePath =
        path != null
            ? path.equals(stepPath)
            : step == null || step.equals(Labels.stepLabel(stepPath));
    boolean sameAttempt = hisAttempt == null || hisAttempt.equals(Integer.toString(attempt));
    if (samePath && sameAttempt) return new Ours();
    return new Collision("step " + (path != null ? path : step) + " attempt " + hisAttempt);
  }
}
