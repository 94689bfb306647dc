package dev.baton.runtime;

import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.StepPath;
import dev.baton.metrics.BatonMetrics;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a step attempt's workload (a Job or a child instance) under its one name, and tells the
 * actor the outcome: launched, or not. An unclear outcome (no answer, a timeout, throttling, a
 * server error) may have created it: the same name is tried again ({@link CreateRetry}), the step
 * stays Launching and spends no attempt, and an AlreadyExists is verified ({@link NameClaim}),
 * usually as launched. Only when the tries are spent is the failure reported, and the name deleted,
 * so that a create landing late does not run unseen. A refusal that trying again cannot cure is
 * reported at once.
 */
final class WorkloadCreator {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadCreator.class);

  private final CreateRetry retry;
  private final BatonMetrics metrics;

  WorkloadCreator(CreateRetry retry, BatonMetrics metrics) {
    this.retry = retry;
    this.metrics = metrics;
  }

  /**
   * One attempt's workload to create, and how to look at, judge and remove what is under its name.
   */
  record Workload<T extends HasMetadata>(
      String what,
      StepPath path,
      int attempt,
      Duration stepTimeout,
      String resource,
      String namespace,
      Supplier<T> create,
      Supplier<T> get,
      Predicate<T> owned,
      Runnable delete) {}

  /**
   * Creates the workload and tells the actor the outcome (see the class comment). Runs on the I/O
   * executor, and may sleep there between tries. Returns whether the workload was launched.
   */
  <T extends HasMetadata> boolean create(FlowActor actor, Workload<T> w) {
    long started = System.nanoTime();
    Duration within =
        w.stepTimeout() != null && w.stepTimeout().compareTo(retry.within()) < 0
            ? w.stepTimeout()
            : retry.within();
    String lastError = null;
    for (int tryNo = 1; ; tryNo++) {
      Duration wait = null;
      try {
        w.create().get();
        return launched(actor, w);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          NameClaim claim;
          try {
            T existing = w.get().get();
            claim =
                NameClaim.of(
                    existing,
                    existing != null && w.owned().test(existing),
                    w.path().toString(),
                    w.attempt());
          } catch (KubernetesClientException g) {
            claim = null;
            lastError = "AlreadyExists, and could not read what exists: " + g.getMessage();
          }
          switch (claim) {
            case NameClaim.Ours o -> {
              return launched(actor, w);
            }
            case NameClaim.OtherOwner o -> {
              // Not this instance's: an earlier instance of the same name left it and the garbage
              // collector has not yet removed it, or someone made it by hand. The next attempt has
              // another name.
              tell(
                  actor,
                  w,
                  w.what()
                      + " exists and belongs to an earlier instance named "
                      + actor.key().name()
                      + ", or to no instance",
                  true);
              return false;
            }
            case NameClaim.Collision col -> {
              metrics.nameCollision();
              LOG.error(
                  "{}: name collision: {} for step {} attempt {} exists and is {}'s; not taking it for this attempt's",
                  actor.key(),
                  w.what(),
                  w.path(),
                  w.attempt(),
                  col.found());
              tell(
                  actor,
                  w,
                  "name collision: " + w.what() + " exists and belongs to " + col.found(),
                  false);
              return false;
            }
            case NameClaim.Gone g ->
                lastError = "AlreadyExists, then not found: deleted in between";
            case null -> {}
          }
        } else {
          CreateFailure failure = CreateFailure.of(e, w.resource(), w.namespace());
          if (!failure.retryable()) {
            metrics.jobCreateFailed(Integer.toString(e.getCode()));
            tell(actor, w, failure.message(), false);
            return false;
          }
          lastError =
              (e.getCode() <= 0 ? "no answer" : "HTTP " + e.getCode()) + ": " + failure.message();
          wait = retryAfter(e);
        }
      } catch (RuntimeException e) {
        lastError = e.toString();
      }
      Duration spent = Duration.ofNanos(System.nanoTime() - started);
      if (tryNo >= retry.tries() || spent.compareTo(within) >= 0) {
        metrics.jobCreateFailed("unclear");
        LOG.warn(
            "{}: could not create {} after {} tries in {}: {}; deleting the name in case a create landed late",
            actor.key(),
            w.what(),
            tryNo,
            spent,
            lastError);
        try {
          w.delete().run();
        } catch (RuntimeException d) {
          LOG.warn("{}: could not delete {}: {}", actor.key(), w.what(), d.getMessage());
        }
        tell(actor, w, lastError + " (" + tryNo + " tries)", true);
        return false;
      }
      metrics.jobCreateRetried();
      Duration delay = wait != null ? wait : retry.delay(tryNo);
      LOG.info(
          "{}: creating {} had an unclear outcome ({}); trying again under the same name in {} ms",
          actor.key(),
          w.what(),
          lastError,
          delay.toMillis());
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  private static boolean launched(FlowActor actor, Workload<?> w) {
    actor.tell(new FlowEvent.StepLaunched(w.path(), w.attempt(), actor.clock().instant()));
    return true;
  }

  /**
   * Tells the actor that an attempt's object was not created. The engine retries a retryable
   * failure as a platform error, and fails the step at once otherwise.
   */
  private static void tell(FlowActor actor, Workload<?> w, String why, boolean retryable) {
    LOG.warn("{}: could not create {}: {}", actor.key(), w.what(), why);
    String prefix = w.what().startsWith("Job") ? "" : "could not create " + w.what() + ": ";
    actor.tell(
        new FlowEvent.StepLaunchFailed(
            w.path(), w.attempt(), prefix + why, retryable, actor.clock().instant()));
  }

  /** A 429's Retry-After, if the API server gave one. */
  private Duration retryAfter(KubernetesClientException e) {
    if (e.getCode() != 429 || e.getStatus() == null || e.getStatus().getDetails() == null)
      return null;
    Integer s = e.getStatus().getDetails().getRetryAfterSeconds();
    return s == null || s <= 0 ? null : Duration.ofSeconds(Math.min(s, retry.cap().toSeconds()));
  }
}
