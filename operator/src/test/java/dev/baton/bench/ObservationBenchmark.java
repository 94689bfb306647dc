package dev.baton.bench;

import dev.baton.api.Json;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.Limits;
import dev.baton.dag.WorkflowCompiler;
import dev.baton.flow.Command;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceFlow;
import dev.baton.runtime.CachedObjects;
import dev.baton.runtime.ChangedObjects;
import dev.baton.runtime.InstanceObjects;
import dev.baton.runtime.ObservationFixtures;
import dev.baton.runtime.Observations;
import dev.baton.runtime.Ownership;
import dev.baton.runtime.RunObjects;
import dev.baton.runtime.StuckPods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * One instance running a foreach that has made n Jobs and Pods (500 running, the others finished
 * and kept for the Job TTL): what a reconcile costs, from the informers' objects to the engine
 * having handled the events, when one pod changed, as Baton did it before ({@link Observations#of}:
 * every Job and Pod, every time) and now ({@link Observations#changes}: only what changed); and the
 * heap the informers' caches take for the n Jobs and Pods, whole and pruned ({@link
 * CachedObjects}). Prints numbers, asserts nothing. Run with scripts/bench-observations.sh.
 */
public final class ObservationBenchmark {
  public static void main(String[] args) throws Exception {
    int[] sizes = args.length == 0 ? new int[] {1_000, 10_000} : parse(args);
    for (int n : sizes) reconciles(n);
    for (int n : sizes) heap(n);
  }

  private static int[] parse(String[] args) {
    int[] sizes = new int[args.length];
    for (int i = 0; i < args.length; i++) sizes[i] = Integer.parseInt(args[i]);
    return sizes;
  }

  private static final boolean ENGINE = !Boolean.getBoolean("noengine");

  private record Run(InstanceFlow flow, List<Job> jobs, List<Pod> pods) {}

  /** At most this many iterations of a foreach run at once. */
  private static final int CONCURRENCY = 500;

  /**
   * A foreach of n iterations, each one job step, at concurrency 500, driven until it has made n
   * Jobs: the last 500 run, the others have succeeded (their Jobs and Pods stay for the Job TTL).
   */
  private static Run start(int n) throws Exception {
    String yaml =
        """
        stepConcurrency: %d
        steps:
          - id: loop
            type: foreach
            foreach: {concurrency: %d, over: [{name: i, expr: "%s"}, {name: j, expr: "%s"}]}
            steps:
              - {id: work, job: {image: busybox, args: ["--i=${loop.i}-${loop.j}"]}}
        """
            .formatted(
                CONCURRENCY,
                CONCURRENCY,
                EngineBenchmark.list(100, i -> Integer.toString(i)),
                EngineBenchmark.list((n + CONCURRENCY) / 100 + 1, i -> Integer.toString(i)));
    CompiledWorkflow wf =
        new WorkflowCompiler(Limits.DEFAULT).compile(dev.baton.dag.Specs.parse(yaml));
    InstanceFlow flow =
        new InstanceFlow("run", wf, Json.toTree(wf.spec()), EngineBenchmark.params(wf));
    List<Job> jobs = new ArrayList<>(n);
    List<Pod> pods = new ArrayList<>(n);
    java.util.ArrayDeque<Command> commands =
        new java.util.ArrayDeque<>(flow.handle(new FlowEvent.Start(Instant.now())));
    int rv = 1;
    while (jobs.size() < n && !commands.isEmpty()) {
      if (!(commands.poll() instanceof Command.CreateJob create)) continue;
      boolean done = jobs.size() < n - CONCURRENCY;
      String[] conditions = done ? new String[] {"Complete"} : new String[0];
      Job job =
          ObservationFixtures.job(
              create.stepId(),
              create.jobName(),
              create.attempt(),
              Integer.toString(rv++),
              conditions);
      jobs.add(job);
      pods.add(
          ObservationFixtures.pod(job, Integer.toString(rv++), done ? "Succeeded" : "Running"));
      Instant now = Instant.now();
      flow.handle(new FlowEvent.StepLaunched(create.stepId(), create.attempt(), now));
      if (done)
        commands.addAll(
            flow.handle(new FlowEvent.StepSucceeded(create.stepId(), create.attempt(), "{}", now)));
    }
    if (jobs.size() != n) throw new IllegalStateException(jobs.size() + " Jobs, not " + n);
    return new Run(flow, jobs, pods);
  }

  /** How a reconcile reads the instance's Jobs and Pods. */
  private enum Way {
    /** Every object read and told to the engine, as Baton did before RunObjects. */
    ALL("every object read and told"),
    /** Every object walked, read again only at a new resourceVersion; only changes told. */
    WALK("every object walked, read once per version"),
    /** Only the objects the informers said changed read (as the operator does); changes told. */
    CHANGED("only the changed objects read");

    final String what;

    Way(String what) {
      this.what = what;
    }
  }

  private static void reconciles(int n) throws Exception {
    Run run = start(n);
    int rounds = n >= 10_000 ? 20 : 100;
    Map<Way, long[]> results = new EnumMap<>(Way.class);
    int rv = 10 * n;
    // Warm up, then measure; each round one pod changes (a new resourceVersion), as on a reconcile
    // woken by a pod's update.
    for (int pass = 0; pass < 2; pass++) {
      for (Way way : Way.values()) {
        RunObjects memory = new RunObjects(run.flow());
        Source source = new Source(run);
        reconcile(run, way, memory, source);
        long events = 0;
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
          source.changed.pods().add(touch(run, r, rv++));
          events += reconcile(run, way, memory, source);
        }
        results.put(way, new long[] {(System.nanoTime() - t0) / rounds, events / rounds});
      }
    }
    System.out.printf(
        "reconcile of a foreach with %,d Jobs and Pods (the last %d running), one pod changed:%n",
        n, CONCURRENCY);
    for (Way way : Way.values()) {
      long[] r = results.get(way);
      System.out.printf(
          "    %-45s %,8.2f ms, %,d events to the engine%n", way.what + ":", r[0] / 1e6, r[1]);
    }
  }

  /** The run's objects as the informers would give them, with the names changed since last read. */
  private static final class Source implements InstanceObjects {
    private final Run run;
    private final Map<String, Job> jobs = new HashMap<>();
    private final Map<String, Pod> pods = new HashMap<>();
    private final Map<String, List<Pod>> podsOf = new HashMap<>();
    ChangedObjects.Names changed = new ChangedObjects.Names(new HashSet<>(), new HashSet<>());

    Source(Run run) {
      this.run = run;
      for (Job j : run.jobs()) jobs.put(j.getMetadata().getName(), j);
      for (Pod p : run.pods()) {
        pods.put(p.getMetadata().getName(), p);
        podsOf.computeIfAbsent(Ownership.jobName(p), k -> new ArrayList<>()).add(p);
      }
    }

    @Override
    public List<Job> jobs() {
      return run.jobs();
    }

    @Override
    public List<Pod> pods() {
      return run.pods();
    }

    @Override
    public Job job(String name) {
      return jobs.get(name);
    }

    @Override
    public Pod pod(String name) {
      return pods.get(name);
    }

    @Override
    public List<Pod> podsOf(String jobName) {
      return podsOf.getOrDefault(jobName, List.of());
    }

    @Override
    public ChangedObjects.Names changed() {
      ChangedObjects.Names taken = changed;
      changed = new ChangedObjects.Names(new HashSet<>(), new HashSet<>());
      return taken;
    }
  }

  /** Gives one pod a new resourceVersion; returns its name. */
  private static String touch(Run run, int r, int rv) {
    Pod pod = run.pods().get(r % run.pods().size());
    pod.getMetadata().setResourceVersion(Integer.toString(rv));
    return pod.getMetadata().getName();
  }

  /** One reconcile the given way, its events handled by the engine; returns how many events. */
  private static int reconcile(Run run, Way way, RunObjects memory, Source source) {
    Instant now = Instant.now();
    List<FlowEvent> events;
    if (way == Way.ALL) {
      source.changed();
      List<Job> jobs = Ownership.owned(ObservationFixtures.INSTANCE_UID, run.jobs());
      List<Pod> pods = Ownership.podsOf(jobs, run.pods());
      events = Observations.of(jobs, pods, now);
    } else {
      RunObjects.Pass pass =
          way == Way.WALK
              ? memory.observe(ObservationFixtures.INSTANCE_UID, run.jobs(), run.pods(), now)
              : memory.observe(ObservationFixtures.INSTANCE_UID, source, now);
      if (way == Way.WALK) source.changed();
      events = Observations.events(pass, now, StuckPods.NoPodReasons.NONE);
      StuckPods.noPodRecheck(pass, now);
    }
    if (ENGINE) for (FlowEvent e : events) run.flow().handle(e);
    return events.size();
  }

  private static void heap(int n) {
    List<Job> jobs = new ArrayList<>(n);
    List<Pod> pods = new ArrayList<>(n);
    long json = 0;
    long prunedJson = 0;
    long base = EngineBenchmark.usedHeapAfterGc();
    for (int i = 0; i < n; i++) {
      Job j = ObservationFixtures.job(i, 1, Integer.toString(i), "Complete");
      Pod p = ObservationFixtures.pod(j, Integer.toString(i), "Succeeded");
      jobs.add(Json.copy(j));
      pods.add(Json.copy(p));
    }
    long full = EngineBenchmark.usedHeapAfterGc() - base;
    List<Job> prunedJobs = new ArrayList<>(n);
    List<Pod> prunedPods = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      json += Json.write(jobs.get(i)).length() + Json.write(pods.get(i)).length();
      prunedJobs.add(CachedObjects.job(jobs.get(i)));
      prunedPods.add(CachedObjects.pod(pods.get(i)));
      prunedJson += Json.write(prunedJobs.get(i)).length() + Json.write(prunedPods.get(i)).length();
    }
    jobs.clear();
    pods.clear();
    long pruned = EngineBenchmark.usedHeapAfterGc() - base;
    System.out.printf("informer caches, %,d finished Jobs and their Pods:%n", n);
    System.out.printf(
        "    whole:  %,6.1f MB heap (%,d bytes a Job+Pod), %,d bytes of JSON a Job+Pod%n",
        full / 1e6, full / n, json / n);
    System.out.printf(
        "    pruned: %,6.1f MB heap (%,d bytes a Job+Pod), %,d bytes of JSON a Job+Pod%n",
        pruned / 1e6, pruned / n, prunedJson / n);
    if (prunedJobs.size() + prunedPods.size() != 2 * n) throw new IllegalStateException();
  }
}
