package dev.baton.runtime;

/** The labels and annotations Baton puts on the Jobs and Pods it makes. */
public final class Labels {
  public static final String INSTANCE = "baton.dev/instance";
  public static final String STEP = "baton.dev/step";
  public static final String ATTEMPT = "baton.dev/attempt";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "baton";
  public static final String WORKFLOW_ANNOTATION = "baton.dev/workflow";
  /** The container whose exit and termination message are the step's result. */
  public static final String MAIN_CONTAINER = "main";

  /** Every Job and Pod Baton makes carries this label; informers select on it. */
  public static final String SELECTOR = INSTANCE;

  private Labels() {}
}
