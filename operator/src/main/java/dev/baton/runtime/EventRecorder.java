package dev.baton.runtime;

import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.FlowEvent;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events for what a person watching {@code kubectl describe} wants to know: a run ended,
 * a step failed or is being retried. Recorded on transitions only, so never repeated.
 */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  public enum Type {
    Normal,
    Warning
  }

  public enum Reason {
    Started,
    Succeeded,
    Failed,
    TimedOut,
    Stopped,
    StepRetrying,
    StepFailed,
    StepTimedOut,
    /** A step's pod is stuck (its image cannot be pulled, it cannot be scheduled, it has none). */
    StepStuck,
    InvalidDefinition,
    /**
     * A Job, Pod or instance carries this instance's labels without the owner Baton's own have:
     * made by hand, perhaps to fake a step's result. It is ignored; told once per object.
     */
    ObjectIgnored,
    /** A finished instance got a new run from spec.restart. */
    Restarted,
    /** spec.restart asks for a run that cannot start (yet); the message says why. */
    RestartPending,
    /** On a Workflow: a schedule created the run of a scheduled time. */
    Scheduled,
    /**
     * On a Workflow: a schedule skipped scheduled times (catchUp, startingDeadline, a conflict).
     */
    ScheduleSkipped,
    /**
     * On a Workflow: a schedule could not start the run of a scheduled time; the message says why.
     */
    ScheduleFailed,
    /** On a Workflow: its retention deleted finished instances; the message names them. */
    RetentionDeleted,
    /** On a Workflow: its retention could not delete an instance, and backs off. */
    RetentionFailed,
    /** A signal trigger could not start its run (on the Workflow); the message says why. */
    TriggerFailed
  }

  private final KubernetesClient client;
  private final Executor executor;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Executor executor, Clock clock) {
    this.client = client;
    this.executor = executor;
    this.clock = clock;
  }

  /** Records what changed between two written statuses of one instance. */
  public void transitions(
      WorkflowInstance instance, WorkflowInstanceStatus before, WorkflowInstanceStatus after) {
    if (before == null || before.phase != after.phase) {
      switch (after.phase) {
        case Running -> record(instance, Type.Normal, Reason.Started, started(after));
        case Succeeded -> record(instance, Type.Normal, Reason.Succeeded, after.message);
        case Failed -> record(instance, Type.Warning, Reason.Failed, after.message);
        case TimedOut -> record(instance, Type.Warning, Reason.TimedOut, after.message);
        case Stopped -> record(instance, Type.Normal, Reason.Stopped, after.message);
        case Pending, Queued -> {}
      }
    }
    for (Map.Entry<String, StepStatus> e : after.steps.entrySet()) {
      StepStatus now = e.getValue();
      StepStatus was = before == null || before.steps == null ? null : before.steps.get(e.getKey());
      boolean changed =
          was == null || was.state != now.state || !Objects.equals(was.attempt, now.attempt);
      String step = "step \"" + e.getKey() + "\" ";
      String stuck = stuckReason(now);
      if (stuck != null && (changed || !stuck.equals(stuckReason(was)))) {
        record(instance, Type.Warning, Reason.StepStuck, step + now.message);
      }
      if (!changed) continue;
      if (now.state == StepState.Retrying) {
        record(instance, Type.Warning, Reason.StepRetrying, step + now.message);
      } else if (now.state == StepState.Failed) {
        record(instance, Type.Warning, Reason.StepFailed, step + "failed: " + now.message);
      } else if (now.state == StepState.TimedOut) {
        record(instance, Type.Warning, Reason.StepTimedOut, step + "timed out: " + now.message);
      }
    }
  }

  /** "pod stuck: reason" of a step whose message says it is stuck; else null. */
  private static String stuckReason(StepStatus s) {
    if (s == null || (s.state != StepState.Launching && s.state != StepState.Running)) return null;
    if (s.message == null || !s.message.startsWith(FlowEvent.StepStuck.PREFIX)) return null;
    int colon = s.message.indexOf(':', FlowEvent.StepStuck.PREFIX.length());
    return colon < 0 ? s.message : s.message.substring(0, colon);
  }

  private static String started(WorkflowInstanceStatus st) {
    String steps = st.steps.size() + " steps";
    return st.run == null || st.run <= 1
        ? "the run started, " + steps
        : "run " + st.run + " started, " + steps;
  }

  /** Records an Event about {@code instance}, a WorkflowInstance or a Workflow. */
  public void record(HasMetadata instance, Type type, Reason reason, String message) {
    var meta = instance.getMetadata();
    String now = clock.instant().toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(meta.getName() + ".")
            .withNamespace(meta.getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(instance.getApiVersion())
                    .withKind(instance.getKind())
                    .withName(meta.getName())
                    .withNamespace(meta.getNamespace())
                    .withUid(meta.getUid())
                    .build())
            .withType(type.name())
            .withReason(reason.name())
            .withMessage(
                message == null
                    ? ""
                    : message.length() > 1000 ? message.substring(0, 997) + "..." : message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent("baton")
            .endSource()
            .withReportingComponent("baton.dev/operator")
            .build();
    executor.execute(() -> {
      try {
        client.v1().events().inNamespace(meta.getNamespace()).resource(event).create();
      } catch (RuntimeException e) {
        LOG.debug("could not record event {} for {}: {}", reason, meta.getName(), e.toString());
      }
    });
  }
}
