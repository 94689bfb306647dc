package dev.baton.runtime;

import dev.baton.util.Digests;

/**
 * The labels and annotations Baton puts on the Jobs, Pods, child instances and scheduled runs it
 * makes.
 */
public final class Labels {
  public static final String INSTANCE = "baton.dev/instance";
  public static final String STEP = "baton.dev/step";
  public static final String ATTEMPT = "baton.dev/attempt";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "baton";
  public static final String WORKFLOW_ANNOTATION = "baton.dev/workflow";

  /** The step's full path (days.3.work), on Jobs, their pods and child instances. */
  public static final String STEP_PATH = "baton.dev/step-path";

  /**
   * On a subworkflow step's child instance: the parent instance's name; children are selected and
   * indexed by it.
   */
  public static final String PARENT = "baton.dev/parent";

  /** On a child instance: how deep it is in a chain of subworkflows (a run a user created is 0). */
  public static final String DEPTH = "baton.dev/depth";

  /** On a child instance: the workflows from the top run down to this one, joined by '/'. */
  public static final String CALL_CHAIN = "baton.dev/call-chain";

  /**
   * On an instance a trigger started: the trigger's name (a schedule's or a signal trigger's).
   * {@code kubectl get workflowinstances -l baton.dev/trigger=NAME} lists its runs.
   */
  public static final String TRIGGER = "baton.dev/trigger";

  /**
   * On an instance a signal trigger started, one label per signal that started it: {@code
   * signal.baton.dev/<the Signal's uid>}, valued with the signal's type (its spec.name). {@code
   * kubectl get workflowinstances -l signal.baton.dev/<uid>} lists the runs a signal started.
   */
  public static final String SIGNAL_PREFIX = "signal.baton.dev/";

  /** On a run a schedule created: its scheduled time in UTC, e.g. 20260115T010000Z. */
  public static final String SCHEDULED_TIME = "baton.dev/scheduled-time";

  /** On an output signal: the run number of the instance that emitted it. */
  public static final String RUN = "baton.dev/run";

  /**
   * On an output signal, an annotation: the uid of the instance that emitted it, which its name is
   * derived from; an AlreadyExists is taken as this attempt's own only when it matches.
   */
  public static final String INSTANCE_UID = "baton.dev/instance-uid";

  /** The container whose exit and termination message are the step's result. */
  public static final String MAIN_CONTAINER = "main";

  /** Every Job and Pod Baton makes carries this label; informers select on it. */
  public static final String SELECTOR = INSTANCE;

  private Labels() {}

  /**
   * The {@link #STEP} label's value for a step path: the path itself when it is a valid label
   * value, else a short hash of it (the full path is always in {@link #STEP_PATH}).
   */
  public static String stepLabel(String path) {
    if (path.length() <= 63 && path.matches("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"))
      return path;
    return "h-" + Digests.sha256Hex(path, 10);
  }
}
