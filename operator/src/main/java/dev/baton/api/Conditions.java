package dev.baton.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** Sets standard Kubernetes conditions, keeping lastTransitionTime when the status is unchanged. */
public final class Conditions {
  /**
   * On a Workflow and an instance: whether the definition (and, on an instance, its params) is
   * accepted.
   */
  public static final String VALID = "Valid";

  /** On an instance: True once the run has ended, with its phase as the reason. */
  public static final String COMPLETED = "Completed";

  /** On an instance: True while the run strategy holds it back. */
  public static final String QUEUED = "Queued";

  public static final String TRUE = "True";
  public static final String FALSE = "False";

  private Conditions() {}

  public static void set(
      List<Condition> conditions,
      String type,
      boolean status,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String s = status ? TRUE : FALSE;
    Condition existing = find(conditions, type);
    String transition =
        existing != null && Objects.equals(existing.getStatus(), s)
            ? existing.getLastTransitionTime()
            : now.toString();
    Condition c =
        new ConditionBuilder()
            .withType(type)
            .withStatus(s)
            .withReason(reason)
            .withMessage(message == null ? "" : message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(transition)
            .build();
    conditions.removeIf(x -> type.equals(x.getType()));
    conditions.add(c);
  }

  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) return null;
    for (Condition c : conditions) {
      if (type.equals(c.getType())) return c;
    }
    return null;
  }
}
