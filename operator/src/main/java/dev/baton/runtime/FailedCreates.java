package dev.baton.runtime;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Why a Job has made no pod, read on demand from the Job controller's FailedCreate Events (a quota
 * exceeded, a pod refused by Pod Security, a missing ServiceAccount): no informer on Events, one
 * list by the Job's uid, asked only about a Job stuck with no pod, and at most every {@link
 * #REFRESH} per Job.
 */
public final class FailedCreates implements StuckPods.NoPodReasons {
  private static final Logger LOG = LoggerFactory.getLogger(FailedCreates.class);
  static final Duration REFRESH = Duration.ofSeconds(30);
  private static final int MAX_REMEMBERED = 10_000;

  private record Known(String message, Instant at) {}

  private final KubernetesClient client;
  private final Clock clock;
  private final Map<String, Known> known = new ConcurrentHashMap<>();

  public FailedCreates(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public String failedCreate(Job job) {
    String uid = job.getMetadata().getUid();
    if (uid == null) return null;
    Instant now = clock.instant();
    Known k = known.get(uid);
    if (k != null && now.isBefore(k.at().plus(REFRESH))) return k.message();
    String message = null;
    try {
      message =
          client
              .v1()
              .events()
              .inNamespace(job.getMetadata().getNamespace())
              .withField("involvedObject.uid", uid)
              .list()
              .getItems()
              .stream()
              // The field selector is the server's; checked again for servers that ignore it.
              .filter(
                  e -> e.getInvolvedObject() != null && uid.equals(e.getInvolvedObject().getUid()))
              .filter(e -> "FailedCreate".equals(e.getReason()))
              .max(Comparator.comparing(FailedCreates::time))
              .map(Event::getMessage)
              .orElse(null);
    } catch (RuntimeException e) {
      LOG.debug(
          "could not list the Events of Job {}: {}", job.getMetadata().getName(), e.toString());
    }
    if (known.size() > MAX_REMEMBERED) known.clear();
    known.put(uid, new Known(message, now));
    return message;
  }

  private static String time(Event e) {
    return Objects.requireNonNullElse(
        e.getLastTimestamp() != null
            ? e.getLastTimestamp()
            : e.getEventTime() != null ? e.getEventTime().getTime() : null,
        "");
  }
}
