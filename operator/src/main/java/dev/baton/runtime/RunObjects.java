package dev.baton.runtime;

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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One run's Jobs and Pods as its actor was last told of them, so that a reconcile costs what
 * changed rather than what exists. A foreach keeps the Jobs and Pods of its finished iterations
 * (for the Job TTL), and every pod update reconciles the instance: reading each of them anew every
 * time (labels, annotations, owner references, conditions) made a loop of n iterations cost n² such
 * reads. Here each object is read once per resourceVersion ({@link ObjectFacts}), by uid; a pass
 * over an unchanged object is a map lookup and a reference comparison.
 *
 * <p>A pass ({@link #observe}) tells which step attempts ("path#attempt") changed since the last
 * one: those with an owned Job or Pod that is new, has a new resourceVersion, changed owner, or is
 * gone. Every {@link #FULL_RESYNC} a pass reports every attempt as changed, so that no event the
 * engine may have missed is lost for long; so does the first pass, and the first after {@link
 * #forgetAll}. One per actor ({@link #owner}): a new actor is told everything. Not thread-safe:
 * reconciles of one instance do not overlap.
 */
public final class RunObjects {
  /** How often everything is reported again, changed or not. */
  public static final Duration FULL_RESYNC = Duration.ofMinutes(3);

  /** One Job or Pod, as last seen. */
  static final class Seen {
    final String uid;
    String resourceVersion;
    HasMetadata object;
    ObjectFacts facts;

    /** Owned the last time it was seen: a Job by the instance, a Pod by one of those Jobs. */
    boolean owned;

    /** The pass that last saw it. */
    int pass;

    Seen(String uid) {
      this.uid = uid;
    }

    Job job() {
      return (Job) object;
    }

    Pod pod() {
      return (Pod) object;
    }
  }

  private final Object owner;
  private final Map<String, Seen> byUid = new HashMap<>();
  private Instant fullAt;
  private int passes;

  /** The newest attempt by step path of the owned Jobs, as the last pass built it; immutable. */
  private Map<String, Integer> present;

  /**
   * @param owner what these reports go to (the run's actor): a report for another owner starts anew
   */
  public RunObjects(Object owner) {
    this.owner = owner;
  }

  public Object owner() {
    return owner;
  }

  /** Reports everything again next time. */
  public void forgetAll() {
    byUid.clear();
    present = null;
    fullAt = null;
  }

  /** How many Jobs and Pods are remembered. */
  public int size() {
    return byUid.size();
  }

  /**
   * What one reconcile sees.
   *
   * @param jobs the instance's Jobs that count: owned by it (or all given, for no instance uid)
   * @param pods the Pods of those Jobs
   * @param changed the attempts ("path#attempt") to report, or null for all
   * @param present by step path, the newest attempt that has a Job (immutable)
   * @param unowned the Jobs and Pods given that have no controller of the kind Baton's have
   * @param withPod of the attempts that are changed or have an unfinished Job, those with a pod
   * @param podEnded of the same attempts, those with a pod in a terminal phase
   */
  public record Pass(
      List<Seen> jobs,
      List<Seen> pods,
      Set<String> changed,
      Map<String, Integer> present,
      List<HasMetadata> unowned,
      Set<String> withPod,
      Set<String> podEnded) {

    /** Whether the events of attempt {@code key} are to be reported. */
    boolean reports(String key) {
      return changed == null || changed.contains(key);
    }

    /** The Jobs that count, as objects. */
    public List<Job> jobObjects() {
      List<Job> out = new ArrayList<>(jobs.size());
      for (Seen s : jobs) out.add(s.job());
      return out;
    }

    /** The Pods that count, as objects. */
    public List<Pod> podObjects() {
      List<Pod> out = new ArrayList<>(pods.size());
      for (Seen s : pods) out.add(s.pod());
      return out;
    }
  }

  /**
   * Looks at the instance's Jobs and Pods as the informers hold them now.
   *
   * @param instanceUid the instance's uid: only Jobs it controls count, and only Pods those Jobs
   *     control; null when every Job and Pod given counts (they were chosen already)
   * @param jobs the Jobs labelled as the instance's
   * @param pods the Pods labelled as the instance's
   */
  public Pass observe(String instanceUid, Collection<Job> jobs, Collection<Pod> pods, Instant now) {
    int pass = ++passes;
    boolean full = fullAt == null || !now.isBefore(fullAt.plus(FULL_RESYNC));
    if (full) fullAt = now;
    Set<String> changed = full ? null : new HashSet<>();
    int before = byUid.size();
    int hits = 0;
    boolean jobSetChanged = present == null;
    List<Seen> ownedJobs = new ArrayList<>(jobs.size());
    List<Seen> ownedPods = new ArrayList<>(pods.size());
    List<HasMetadata> unowned = new ArrayList<>(0);
    for (Job job : jobs) {
      Seen s = see(job);
      boolean known = s.object != null;
      boolean fresh = !known || !same(s, job);
      if (fresh) {
        ObjectFacts facts = ObjectFacts.of(job);
        boolean owned =
            instanceUid == null
                || (facts.controllerUid() != null && facts.controllerUid().equals(instanceUid));
        if (known) {
          if (s.owned) mark(changed, s.facts.key());
          if (s.owned != owned || !Objects.equals(s.facts.ref(), facts.ref())) jobSetChanged = true;
        } else {
          jobSetChanged |= owned;
        }
        s.facts = facts;
        s.owned = owned;
        s.resourceVersion = job.getMetadata().getResourceVersion();
        if (owned) mark(changed, facts.key());
      }
      if (known) hits++;
      s.object = job;
      s.pass = pass;
      if (s.owned) ownedJobs.add(s);
      if (s.facts.unowned()) unowned.add(job);
    }
    for (Pod pod : pods) {
      Seen s = see(pod);
      boolean known = s.object != null;
      ObjectFacts facts = !known || !same(s, pod) ? ObjectFacts.of(pod) : s.facts;
      // Owned through its Job, whose ownership this pass has settled: a Pod's owner may have come
      // or gone while the Pod stayed the same.
      boolean owned = instanceUid == null || ownedJobThisPass(facts.controllerUid(), pass);
      if (facts != s.facts || owned != s.owned) {
        if (known && s.owned) mark(changed, s.facts.key());
        if (owned) mark(changed, facts.key());
        s.facts = facts;
        s.owned = owned;
        s.resourceVersion = pod.getMetadata().getResourceVersion();
      }
      if (known) hits++;
      s.object = pod;
      s.pass = pass;
      if (owned) ownedPods.add(s);
      if (facts.unowned()) unowned.add(pod);
    }
    if (hits < before) {
      // Some are gone: forgotten, and their attempts reported (one seen again is new again).
      var it = byUid.values().iterator();
      while (it.hasNext()) {
        Seen s = it.next();
        if (s.pass == pass) continue;
        it.remove();
        if (s.owned) {
          mark(changed, s.facts.key());
          if (s.facts.isJob()) jobSetChanged = true;
        }
      }
    }
    if (jobSetChanged) present = newestAttempts(ownedJobs);
    return derived(ownedJobs, ownedPods, changed, unowned);
  }

  private Pass derived(
      List<Seen> jobs, List<Seen> pods, Set<String> changed, List<HasMetadata> unowned) {
    // Whether an attempt has a pod, and an ended one, matters for the attempts reported and for
    // those whose Job has not finished (it may be stuck without a pod, or still running).
    Set<String> interesting = changed == null ? null : new HashSet<>(changed);
    if (interesting != null) {
      for (Seen s : jobs) {
        if (!s.facts.ended() && s.facts.key() != null) interesting.add(s.facts.key());
      }
    }
    Set<String> withPod = new HashSet<>();
    Set<String> podEnded = new HashSet<>();
    for (Seen s : pods) {
      String key = s.facts.key();
      if (key == null || (interesting != null && !interesting.contains(key))) continue;
      withPod.add(key);
      if (s.facts.ended()) podEnded.add(key);
    }
    return new Pass(jobs, pods, changed, present, unowned, withPod, podEnded);
  }

  private Seen see(HasMetadata object) {
    String uid = object.getMetadata().getUid();
    if (uid == null) {
      // Not from an API server (no uid): nothing to know it by, so it is new every time.
      return new Seen(null);
    }
    return byUid.computeIfAbsent(uid, Seen::new);
  }

  /** Whether {@code object} is the version {@code s} was read from. */
  private static boolean same(Seen s, HasMetadata object) {
    String rv = object.getMetadata().getResourceVersion();
    return s.uid != null && rv != null && rv.equals(s.resourceVersion);
  }

  private boolean ownedJobThisPass(String jobUid, int pass) {
    if (jobUid == null) return false;
    Seen job = byUid.get(jobUid);
    return job != null && job.pass == pass && job.owned && job.facts.isJob();
  }

  private static void mark(Set<String> changed, String key) {
    if (changed != null && key != null) changed.add(key);
  }

  private static Map<String, Integer> newestAttempts(List<Seen> jobs) {
    Map<String, Integer> newest = new HashMap<>();
    for (Seen s : jobs) {
      Observations.StepRef r = s.facts.ref();
      if (r != null) newest.merge(r.stepId(), r.attempt(), Math::max);
    }
    return Collections.unmodifiableMap(newest);
  }
}
