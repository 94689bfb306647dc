package dev.baton.runs;

import dev.baton.dag.DefinitionCache;
import dev.baton.flow.FlowEngine;
import dev.baton.runtime.EventRecorder;
import dev.baton.runtime.KubernetesRuntime;
import dev.baton.runtime.StatusWriter;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;

/**
 * Builds the run lifecycle's parts around the memory they share: admission and ended runs; and the
 * retention of finished runs.
 */
public final class Runs {
  private final RunAdmission admission;
  private final RunDriver driver;
  private final RetentionSweeper retention;
  private final dev.baton.runtime.SignalWaits signalWaits;

  public Runs(
      KubernetesClient client,
      DefinitionCache definitions,
      FlowEngine engine,
      KubernetesRuntime runtime,
      StatusWriter status,
      EventRecorder events,
      Clock clock) {
    signalWaits = runtime.signalWaits();
    EndedRuns ended = new EndedRuns();
    admission = new RunAdmission(status, ended, clock);
    driver =
        new RunDriver(
            engine,
            runtime,
            new RunStarter(client, definitions, engine, runtime, status, events, admission),
            new RestartAction(client, status, definitions, events, clock),
            admission,
            ended,
            new IgnoredObjects(events),
            new dev.baton.runtime.FailedCreates(client, clock));
    retention = new RetentionSweeper(client, events, clock);
  }

  public RunAdmission admission() {
    return admission;
  }

  /** The signal steps waiting now, which the Signal informer releases. */
  public dev.baton.runtime.SignalWaits signalWaits() {
    return signalWaits;
  }

  public RunDriver driver() {
    return driver;
  }

  /** Deletes the finished runs a Workflow's retention does not keep. */
  public RetentionSweeper retention() {
    return retention;
  }
}
