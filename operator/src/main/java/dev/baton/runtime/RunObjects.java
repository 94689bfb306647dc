package dev.baton.runtime;

import dev.baton.flow.FlowEvent;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * One run's Jobs and Pods as its actor was last told of them, kept up to date with what changed, so
 * that a reconcile costs what changed rather than what exists. A foreach keeps the Jobs and Pods of
 * its finished iterations (for the Job TTL) and every pod update reconciles the instance: walking
 * all of them on each reconcile made a loop of n iterations cost n² reads.
 *
 * <p>Each object is read once per resourceVersion ({@link ObjectFacts}). A pass ({@link #observe})
 * reads only the objects the informers saw change since the last one ({@link
 * InstanceObjects#changed}) and tells which step attempts ("path#attempt") changed: those with an
 * owned Job or Pod that is new, has a new version, or is gone. The first pass, the first after
 * {@link #forgetAll}, and one every {@link #FULL_RESYNC} walk every object instead and report every
 * attempt, so that nothing the engine or this memory may have missed is lost for long. One per
 * actor: a new actor is told everything. Not thread-safe: reconciles of one instance do not
 * overlap.
 */
public final class RunObjects {
  /** How often everything is read and reported again, changed or not. */
  public static final Duration FULL_RESYNC = Duration.ofMinutes(3);

  /** One Job or Pod at one version. */
  static final class Seen {
    final String name;
    final String uid;
    final String resourceVersion;
    final ObjectFacts facts;
    HasMetadata object;

    /** The last walk that saw it. */
    int walk;

    /** A Job's {@link FlowEvent.ActiveJob}, made once per version. */
    private FlowEvent.ActiveJob active;

    Seen(HasMetadata object, ObjectFacts facts) {
      this.name = object.getMetadata().getName();
      this.uid = object.getMetadata().getUid();
      this.resourceVersion = object.getMetadata().getResourceVersion();
      this.facts = facts;
      this.object = object;
    }

    /** Whether {@code other} is this object at this version (an object with no uid never is). */
    boolean sameAs(HasMetadata other) {
      return uid != null
          && resourceVersion != null
          && uid.equals(other.getMetadata().getUid())
          && resourceVersion.equals(other.getMetadata().getResourceVersion());
    }

    Job job() {
      return (Job) object;
    }

    /**
     * A Job with a step attempt ({@code facts.ref()} not null) as an {@link FlowEvent.ActiveJob}.
     */
    FlowEvent.ActiveJob activeJob() {
      if (active == null) {
        Observations.StepRef r = facts.ref();
        active = new FlowEvent.ActiveJob(r.path(), r.attempt(), name);
      }
      return active;
    }

    Pod pod() {
      return (Pod) object;
    }
  }

  private final Object owner;
  private boolean started;
  private String instanceUid;
  private final Map<String, Seen> jobs = new LinkedHashMap<>();
  private final Map<String, Seen> pods = new LinkedHashMap<>();
  private final Map<String, Seen> jobsByUid = new HashMap<>();
  private final Map<String, List<Seen>> jobsByKey = new HashMap<>();
  private final Map<String, List<Seen>> podsByKey = new HashMap<>();

  /**
   * The owned Jobs that have not finished and whose attempt has no owned Pod: the ones that may
   * count as stuck. Kept as objects come and go ({@link #recheck}), so that a pass costs what
   * changed: walking every unfinished Job on every pass made each reconcile of a foreach
   * O(concurrency).
   */
  private final Set<Seen> podless = new LinkedHashSet<>();

  /**
   * The owned Jobs that have not finished, with a step attempt that the Job controller counts
   * active and whose attempt has no owned Pod in a terminal phase: the Jobs whose pod still runs.
   */
  private final Set<Seen> running = new LinkedHashSet<>();

  /**
   * The owned Jobs that have finished, with a step attempt, whose attempt has no owned Pod, and
   * whose verdict waits for one ({@link Observations#POD_LAG_GRACE}) as of the pass that put them
   * here. Dropped by the first pass that starts after their wait is over: the pass before told
   * their verdict ({@link Observations#events}).
   */
  private final Set<Seen> awaitingPod = new LinkedHashSet<>();

  /** The time of the pass under way. */
  private Instant passAt;

  /**
   * By step path, the newest attempt of the owned Jobs. A pass hands out a read-only view of it
   * ({@link #present}) rather than a copy: in a foreach it holds every iteration's step, and
   * copying it on each pass made a loop of n iterations cost n² again. The engine reads the view on
   * its own thread, hence a concurrent map; {@link #forgetAll} starts a new one, so that a view
   * handed out before never empties.
   */
  private Map<String, Integer> newest = new ConcurrentHashMap<>();

  private Map<String, Integer> present = Collections.unmodifiableMap(newest);
  private Instant fullAt;
  private int walks;

  /** During a pass, the attempts changed so far. */
  private Set<String> changed = new HashSet<>();

  /** During a pass, the objects read with no controller of Baton's kind. */
  private List<HasMetadata> unowned = new ArrayList<>();

  /**
   * @param owner what these reports go to (the run's actor): a report for another owner starts anew
   */
  public RunObjects(Object owner) {
    this.owner = owner;
  }

  public Object owner() {
    return owner;
  }

  /** Reads and reports everything again next time. */
  public void forgetAll() {
    jobs.clear();
    pods.clear();
    jobsByUid.clear();
    jobsByKey.clear();
    podsByKey.clear();
    podless.clear();
    running.clear();
    awaitingPod.clear();
    newest = new ConcurrentHashMap<>();
    present = Collections.unmodifiableMap(newest);
    fullAt = null;
  }

  /** How many Jobs and Pods are remembered. */
  public int size() {
    return jobs.size() + pods.size();
  }

  /**
   * Brings this memory up to date with {@code source} and says what changed.
   *
   * @param instanceUid the instance's uid: only Jobs it controls count, and only Pods those Jobs
   *     control; null when every Job and Pod given counts (they were chosen already)
   */
  public Pass observe(String instanceUid, InstanceObjects source, Instant now) {
    if (!started || !Objects.equals(this.instanceUid, instanceUid)) {
      forgetAll();
      started = true;
      this.instanceUid = instanceUid;
    }
    boolean full = fullAt == null || !now.isBefore(fullAt.plus(FULL_RESYNC));
    Instant lastPassAt = passAt;
    passAt = now;
    if (lastPassAt != null)
      awaitingPod.removeIf(s -> !Observations.podDueBy(s.facts).isAfter(lastPassAt));
    // Taken before the objects are read: a change after this is recorded for the next pass.
    ChangedObjects.Names names = source.changed();
    changed = new HashSet<>();
    unowned = new ArrayList<>(0);
    try {
      read(source, full, names);
    } catch (RuntimeException e) {
      // Half read, and the changes taken: the next pass reads everything.
      forgetAll();
      throw e;
    }
    if (full) fullAt = now;
    return new Pass(this, full ? null : changed, present, unowned);
  }

  private void read(InstanceObjects source, boolean full, ChangedObjects.Names names) {
    if (full || names == null) {
      walk(source.jobs(), source.pods());
    } else {
      for (String name : names.jobs()) {
        Job job = source.job(name);
        if (job != null) putJob(job, walks);
        else removeJob(jobs.get(name));
      }
      for (String name : names.pods()) {
        Pod pod = source.pod(name);
        if (pod != null) putPod(pod, walks);
        else removePod(pods.get(name));
      }
      refresh(source);
    }
  }

  /**
   * Reads the Jobs and Pods of the attempts changed in this pass again, as the caches hold them
   * now. The caches are updated before the informers tell of a change, and the Job and Pod
   * informers are separate streams: a Job's end may be told before its pod's, which the Pod cache
   * already holds. Deciding an attempt from its Job with a stale pod (or none yet) would take a
   * user's failure for a platform one, or a success without the outputs its pod carries; the
   * attempt is decided from the newest of both, as a reading of all of them would.
   */
  private void refresh(InstanceObjects source) {
    for (String key : List.copyOf(changed)) {
      List<Seen> ofKey = jobsByKey.get(key);
      if (ofKey == null) continue;
      for (Seen job : List.copyOf(ofKey)) {
        if (!owned(job)) continue;
        for (Pod pod : source.podsOf(job.name)) putPod(pod, walks);
      }
    }
  }

  /** The same, of lists given whole with no record of what changed. */
  public Pass observe(String instanceUid, Collection<Job> jobs, Collection<Pod> pods, Instant now) {
    return observe(instanceUid, InstanceObjects.of(List.copyOf(jobs), List.copyOf(pods)), now);
  }

  /** Reads every object given and forgets those not given. */
  private void walk(Collection<Job> allJobs, Collection<Pod> allPods) {
    int walk = ++walks;
    for (Job job : allJobs) putJob(job, walk);
    for (Pod pod : allPods) putPod(pod, walk);
    sweep(jobs, walk, true);
    sweep(pods, walk, false);
    // A pod counts through its controller Job, which this walk may have put or swept under
    // another attempt: every attempt is checked again, as a walk reads everything.
    for (String key : jobsByKey.keySet()) recheck(key);
  }

  private void sweep(Map<String, Seen> seen, int walk, boolean areJobs) {
    if (seen.isEmpty()) return;
    List<Seen> gone = new ArrayList<>();
    for (Seen s : seen.values()) {
      if (s.walk != walk) gone.add(s);
    }
    for (Seen s : gone) {
      if (areJobs) removeJob(s);
      else removePod(s);
    }
  }

  private void putJob(Job job, int walk) {
    Seen old = jobs.get(job.getMetadata().getName());
    if (old != null && old.sameAs(job)) {
      old.object = job;
      old.walk = walk;
      return;
    }
    ObjectFacts facts = ObjectFacts.of(job);
    if (facts.ended()) {
      boolean endedBefore =
          old != null
              && old.uid != null
              && old.uid.equals(job.getMetadata().getUid())
              && old.facts.ended();
      facts = facts.seenEndedAt(endedBefore ? old.facts.endedAt() : passAt);
    }
    if (old != null) removeJob(old);
    Seen s = new Seen(job, facts);
    s.walk = walk;
    jobs.put(s.name, s);
    if (s.uid != null) jobsByUid.put(s.uid, s);
    add(jobsByKey, s);
    if (s.facts.unowned()) unowned.add(job);
    if (!owned(s)) return;
    mark(s.facts.key());
    recheck(s.facts.key());
    Observations.StepRef r = s.facts.ref();
    if (r != null) newest.merge(r.stepId(), r.attempt(), Math::max);
  }

  private void removeJob(Seen s) {
    if (s == null) return;
    jobs.remove(s.name, s);
    if (s.uid != null) jobsByUid.remove(s.uid, s);
    remove(jobsByKey, s);
    podless.remove(s);
    running.remove(s);
    awaitingPod.remove(s);
    // The attempt's pods may have counted through this Job.
    recheck(s.facts.key());
    if (!owned(s)) return;
    mark(s.facts.key());
    Observations.StepRef r = s.facts.ref();
    if (r == null || !Objects.equals(newest.get(r.stepId()), r.attempt())) return;
    // It was its step's newest: the newest is now the next older one still here, if any. Put in
    // one step, never removed first: a reader of the view never sees the step with none meanwhile.
    for (int a = r.attempt(); a >= 0; a--) {
      List<Seen> same = jobsByKey.get(r.stepId() + "#" + a);
      if (same != null && same.stream().anyMatch(this::owned)) {
        newest.put(r.stepId(), a);
        return;
      }
    }
    newest.remove(r.stepId());
  }

  private void putPod(Pod pod, int walk) {
    Seen old = pods.get(pod.getMetadata().getName());
    if (old != null && old.sameAs(pod)) {
      old.object = pod;
      old.walk = walk;
      return;
    }
    if (old != null) removePod(old);
    Seen s = new Seen(pod, ObjectFacts.of(pod));
    s.walk = walk;
    pods.put(s.name, s);
    add(podsByKey, s);
    if (s.facts.unowned()) unowned.add(pod);
    if (ownedPod(s)) mark(s.facts.key());
    recheck(s.facts.key());
  }

  private void removePod(Seen s) {
    if (s == null) return;
    pods.remove(s.name, s);
    remove(podsByKey, s);
    mark(s.facts.key());
    recheck(s.facts.key());
  }

  /**
   * Puts each Job of attempt {@code key} in {@link #podless} and {@link #running}, or out of them,
   * as its attempt's Pods are now.
   */
  private void recheck(String key) {
    List<Seen> ofKey = key == null ? null : jobsByKey.get(key);
    if (ofKey == null) return;
    boolean withPod = anyPod(key, ANY);
    boolean podEnded = withPod && anyPod(key, ENDED);
    for (Seen job : ofKey) {
      boolean open = owned(job) && !job.facts.ended();
      if (open && !withPod) podless.add(job);
      else podless.remove(job);
      // One whose wait is over stays until the next pass: this one tells its verdict.
      if (!owned(job) || !job.facts.ended() || job.facts.ref() == null || withPod)
        awaitingPod.remove(job);
      else if (passAt != null && Observations.podDueBy(job.facts).isAfter(passAt))
        awaitingPod.add(job);
      if (open && job.facts.active() && job.facts.ref() != null && !podEnded) running.add(job);
      else running.remove(job);
    }
  }

  private static final Predicate<Seen> ANY = s -> true;
  private static final Predicate<Seen> ENDED = s -> s.facts.ended();
  private static final Predicate<Seen> RUNNING =
      s -> !s.facts.ended() && s.object.getMetadata().getDeletionTimestamp() == null;

  /** Whether attempt {@code key} has an owned Pod that is {@code which}. */
  private boolean anyPod(String key, Predicate<Seen> which) {
    List<Seen> list = key == null ? null : podsByKey.get(key);
    if (list == null) return false;
    for (Seen s : list) {
      if (which.test(s) && ownedPod(s)) return true;
    }
    return false;
  }

  private static void add(Map<String, List<Seen>> byKey, Seen s) {
    if (s.facts.key() != null) byKey.computeIfAbsent(s.facts.key(), k -> new ArrayList<>(1)).add(s);
  }

  private static void remove(Map<String, List<Seen>> byKey, Seen s) {
    List<Seen> list = s.facts.key() == null ? null : byKey.get(s.facts.key());
    if (list == null) return;
    list.remove(s);
    if (list.isEmpty()) byKey.remove(s.facts.key());
  }

  private void mark(String key) {
    if (key != null) changed.add(key);
  }

  /** A Job counts when the instance controls it. */
  private boolean owned(Seen job) {
    return instanceUid == null || instanceUid.equals(job.facts.controllerUid());
  }

  /** A Pod counts when a Job that counts controls it. */
  private boolean ownedPod(Seen pod) {
    if (instanceUid == null) return true;
    String jobUid = pod.facts.controllerUid();
    Seen job = jobUid == null ? null : jobsByUid.get(jobUid);
    return job != null && owned(job);
  }

  /**
   * What one pass found. Valid until the next pass.
   *
   * @param changed the attempts ("path#attempt") to report, or null for all
   * @param present by step path, the newest attempt that has a Job: a read-only view, current as of
   *     the latest pass when it is read (the engine takes it as a hint and confirms a Job missing
   *     from it with the API server)
   * @param unowned the Jobs and Pods read in this pass with no controller of Baton's kind
   */
  public record Pass(
      RunObjects objects,
      Set<String> changed,
      Map<String, Integer> present,
      List<HasMetadata> unowned) {

    /** The owned Pods of the attempts reported. */
    List<Seen> reportedPods() {
      return reported(objects.pods.values(), objects.podsByKey, true);
    }

    /** The owned Jobs of the attempts reported. */
    List<Seen> reportedJobs() {
      return reported(objects.jobs.values(), objects.jobsByKey, false);
    }

    private List<Seen> reported(
        Collection<Seen> all, Map<String, List<Seen>> byKey, boolean arePods) {
      List<Seen> out = new ArrayList<>();
      if (changed == null) {
        for (Seen s : all) if (s.facts.ref() != null && counts(s, arePods)) out.add(s);
        return out;
      }
      for (String key : changed) {
        List<Seen> list = byKey.get(key);
        if (list == null) continue;
        for (Seen s : list) if (s.facts.ref() != null && counts(s, arePods)) out.add(s);
      }
      return out;
    }

    private boolean counts(Seen s, boolean isPod) {
      return isPod ? objects.ownedPod(s) : objects.owned(s);
    }

    /** Whether the events of attempt {@code key} are reported in this pass. */
    boolean reports(String key) {
      return changed == null || changed.contains(key);
    }

    /** The owned Jobs that have not finished and whose attempt has no owned Pod. */
    Collection<Seen> podless() {
      return objects.podless;
    }

    /**
     * The owned, finished Jobs whose verdict waits for a pod their attempt does not have yet, or
     * whose wait ended since the last pass.
     */
    Collection<Seen> awaitingPod() {
      return objects.awaitingPod;
    }

    /**
     * The owned Jobs that have not finished, with a step attempt, counted active by the Job
     * controller, and whose attempt has no owned Pod in a terminal phase.
     */
    Collection<Seen> running() {
      return objects.running;
    }

    /** Whether attempt {@code key} has an owned Pod. */
    boolean withPod(String key) {
      return objects.anyPod(key, ANY);
    }

    /** Whether attempt {@code key} has an owned Pod in a terminal phase. */
    boolean podEnded(String key) {
      return objects.anyPod(key, ENDED);
    }

    /**
     * Whether attempt {@code key} has an owned Pod neither in a terminal phase nor being deleted.
     */
    boolean podStillRuns(String key) {
      return objects.anyPod(key, RUNNING);
    }
  }
}
