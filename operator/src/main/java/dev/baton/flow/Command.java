package dev.baton.flow;

import dev.baton.api.JobTemplate;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the engine asks the runtime to do. The runtime reports outcomes back as events. */
public sealed interface Command {

  /**
   * Create the Job of one attempt, with every ${...} already rendered. Creating it twice is
   * harmless: the name is deterministic and AlreadyExists counts as launched.
   *
   * @param timeout the attempt's deadline, or null
   */
  record CreateJob(
      String stepId,
      int attempt,
      String jobName,
      JobTemplate template,
      List<String> command,
      List<String> args,
      List<EnvVar> env,
      Map<String, String> params,
      Duration timeout)
      implements Command {}

  /** Delete a Job and its pods; a Job already gone is fine. */
  record DeleteJob(String stepId, int attempt, String jobName) implements Command {}

  /** Deliver {@code TimerFired(key)} at {@code at}. */
  record SetTimer(TimerKey key, Instant at) implements Command {}

  /** The status changed; write it when the writer can (writes are coalesced). */
  record WriteStatus() implements Command {
    public static final WriteStatus INSTANCE = new WriteStatus();
  }
}
