package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.InstancePhase;
import dev.baton.api.JobTemplate;
import dev.baton.api.Json;
import dev.baton.api.Step;
import dev.baton.api.WorkflowSpec;
import dev.baton.dag.CompiledStep;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.Limits;
import dev.baton.dag.WorkflowCompiler;
import dev.baton.flow.Command;
import dev.baton.flow.CommandSink;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEngine;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.InstanceFlow;
import dev.baton.flow.InstanceKey;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drives the flow engine with a fake runtime, no Kubernetes, and prints:
 *
 * <ol>
 *   <li>step hand-off latency, from a step's completion event to the create-Job command of the step
 *       it unblocks, p50 and p99, with 1,000 concurrent instances of a 20-step DAG whose steps take
 *       10-100 ms;
 *   <li>transitions per second on a 10,000-step-wide DAG and a 10,000-step chain, steps completing
 *       as soon as launched;
 *   <li>heap used with the 1,000 instances in flight;
 *   <li>a foreach of 1,000,000 iterations (the documented limit) at concurrency 500: iterations/s,
 *       peak heap, the most heap live after a GC, and the largest status written.
 * </ol>
 *
 * Status writes are simulated too: coalesced per instance, a snapshot taken per write, 2 ms a
 * write. Run with scripts/bench-engine.sh.
 */
public final class EngineBenchmark {
  private static final int ENGINE_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  public static void main(String[] args) throws Exception {
    int instances = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    if (args.length > 1 && args[1].equals("foreach")) {
      int iterations = args.length > 2 ? Integer.parseInt(args[2]) : MAX_ITERATIONS;
      foreach(iterations, 500);
      foreach(iterations, 500);
      return;
    }
    System.out.printf(
        "Baton flow engine benchmark: %d cores, %d engine threads, max heap %d MB, Java %s%n",
        Runtime.getRuntime().availableProcessors(),
        ENGINE_THREADS,
        Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.version"));
    // Warm up the JIT, then measure: first steps that run 1-3 s, as real steps do, then steps of
    // 10-100 ms, which offer more work than two cores can take and show the engine saturated.
    handOff(instances, 10, 100, false);
    handOff(instances, 1000, 3000, true);
    handOff(instances, 10, 100, true);
    heap(instances);
    transitions("wide", wide(10_000));
    transitions("chain", chain(10_000));
    foreach(MAX_ITERATIONS, 500);
  }

  // ---- (d) a 1,000,000-iteration foreach ---------------------------------------------------

  /** The most iterations a loop may have. */
  static final int MAX_ITERATIONS = (int) dev.baton.api.ForeachSpec.MAX_ITERATIONS;

  /**
   * (d) One instance with a foreach of {@code iterations} iterations (two job steps each) at {@code
   * concurrency}; each Job succeeds 1-5 ms after it is created. Prints iterations/s, the peak heap
   * (sampled every 20 ms) and the largest status JSON the status writer produced.
   */
  static ForeachResult foreach(int iterations, int concurrency) throws Exception {
    int shards = 100;
    String yaml =
        """
        stepConcurrency: %d
        steps:
          - id: days
            type: foreach
            foreach: {concurrency: %d, over: [{name: shard, expr: "%s"}, {name: day, expr: "%s"}]}
            steps:
              - {id: extract, job: {image: busybox, args: ["--shard=${loop.shard}", "--day=${loop.day}"]}}
              - {id: load, dependsOn: [extract], job: {image: busybox, args: ["--rows=${steps.extract.outputs.rows}"]}}
          - {id: report, dependsOn: [days], type: noop}
        """
            .formatted(
                concurrency,
                concurrency,
                list(shards, i -> "'s" + i + "'"),
                "dates('2000-01-01', '%s')"
                    .formatted(
                        java.time.LocalDate.of(2000, 1, 1).plusDays(iterations / shards - 1)));
    CompiledWorkflow wf =
        new WorkflowCompiler(Limits.DEFAULT).compile(dev.baton.dag.Specs.parse(yaml));
    ScheduledExecutorService kubelet = Executors.newScheduledThreadPool(1, daemon());
    ExecutorService engineThreads = Executors.newFixedThreadPool(ENGINE_THREADS, daemon());
    CountDownLatch done = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicLong largestStatus =
        new java.util.concurrent.atomic.AtomicLong();
    FakeStatusWriter writer = new FakeStatusWriter(done);
    writer.sizes = largestStatus;
    CommandSink sink =
        (actor, commands) -> {
          for (Command c : commands) {
            if (c instanceof Command.CreateJob create) {
              actor.tell(
                  new FlowEvent.StepLaunched(
                      create.stepId(), create.attempt(), actor.clock().instant()));
              kubelet.schedule(
                  () ->
                      actor.tell(
                          new FlowEvent.StepSucceeded(
                              create.stepId(),
                              create.attempt(),
                              "{\"rows\": 1}",
                              actor.clock().instant())),
                  ThreadLocalRandom.current().nextLong(1, 6),
                  TimeUnit.MILLISECONDS);
            } else if (c instanceof Command.WriteStatus) {
              writer.dirty(actor);
            }
          }
        };
    FlowEngine engine = new FlowEngine(engineThreads, sink, Clock.systemUTC());
    long baseline = usedHeapAfterGc();
    java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong peakLive = new java.util.concurrent.atomic.AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(daemon());
    sampler.scheduleAtFixedRate(
        () -> {
          peak.accumulateAndGet(
              ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
          peakLive.accumulateAndGet(usedAfterLastGc(), Math::max);
        },
        0,
        20,
        TimeUnit.MILLISECONDS);
    InstanceKey key = new InstanceKey("bench", "foreach");
    InstanceFlow flow = new InstanceFlow(key.name(), wf, Json.toTree(wf.spec()), params(wf));
    long t0 = System.nanoTime();
    engine.getOrCreate(key, () -> flow).tell(new FlowEvent.Start(Clock.systemUTC().instant()));
    if (!done.await(30, TimeUnit.MINUTES))
      throw new IllegalStateException("the foreach did not finish");
    double seconds = (System.nanoTime() - t0) / 1e9;
    sampler.shutdownNow();
    kubelet.shutdownNow();
    engineThreads.shutdownNow();
    if (flow.phase() != InstancePhase.Succeeded)
      throw new IllegalStateException("the foreach ended " + flow.phase());
    System.out.printf(
        "(d) foreach of %,d iterations (2 job steps each), concurrency %d, Jobs done 1-5 ms after creation:%n",
        iterations, concurrency);
    System.out.printf(
        "    %,.0f iterations/s (%.1f s in all); peak heap %d MB, at most %d MB live after a GC (%d MB"
            + " before the run; max heap %d MB); largest status %,d bytes in %d writes%n",
        iterations / seconds,
        seconds,
        peak.get() >> 20,
        peakLive.get() >> 20,
        baseline >> 20,
        Runtime.getRuntime().maxMemory() >> 20,
        largestStatus.get(),
        writer.writes());
    return new ForeachResult(iterations / seconds, peak.get(), peakLive.get(), largestStatus.get());
  }

  /** What (d) measured. */
  record ForeachResult(
      double iterationsPerSecond, long peakHeap, long peakLiveHeap, long largestStatus) {}

  /** The heap in use right after the latest garbage collection, young or full. */
  static long usedAfterLastGc() {
    com.sun.management.GcInfo latest = null;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (!(gc instanceof com.sun.management.GarbageCollectorMXBean g)) continue;
      var info = g.getLastGcInfo();
      if (info != null && (latest == null || info.getEndTime() > latest.getEndTime()))
        latest = info;
    }
    if (latest == null) return 0;
    long used = 0;
    for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() != java.lang.management.MemoryType.HEAP) continue;
      var after = latest.getMemoryUsageAfterGc().get(pool.getName());
      if (after != null) used += after.getUsed();
    }
    return used;
  }

  static String list(int n, java.util.function.IntFunction<String> item) {
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(item)
        .collect(java.util.stream.Collectors.joining(",", "[", "]"));
  }

  // ---- (a) hand-off latency and (c) heap ---------------------------------------------------

  static void handOff(int instances, int minMs, int maxMs, boolean report) throws Exception {
    CompiledWorkflow wf = compile(layered(), Limits.DEFAULT);
    ScheduledExecutorService kubelet = Executors.newScheduledThreadPool(1, daemon());
    ExecutorService engineThreads = Executors.newFixedThreadPool(ENGINE_THREADS, daemon());
    Recorder rec = new Recorder(instances * wf.size());
    Map<InstanceKey, Map<String, Long>> completedAt = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(instances);
    FakeStatusWriter writer = new FakeStatusWriter(done);
    CommandSink sink =
        (actor, commands) -> {
          for (Command c : commands) {
            switch (c) {
              case Command.CreateJob create -> {
                long now = System.nanoTime();
                CompiledStep step = wf.step(create.stepId());
                Map<String, Long> times = completedAt.get(actor.key());
                long latest = 0;
                for (int d : step.dependencies())
                  latest = Math.max(latest, times.getOrDefault(wf.steps().get(d).id(), 0L));
                if (latest > 0) rec.add(now - latest);
                actor.tell(
                    new FlowEvent.StepLaunched(
                        create.stepId(), create.attempt(), actor.clock().instant()));
                long runMs = ThreadLocalRandom.current().nextLong(minMs, maxMs + 1);
                kubelet.schedule(
                    () -> {
                      times.put(create.stepId(), System.nanoTime());
                      actor.tell(
                          new FlowEvent.StepSucceeded(
                              create.stepId(),
                              create.attempt(),
                              "{\"rows\": 1}",
                              actor.clock().instant()));
                    },
                    runMs,
                    TimeUnit.MILLISECONDS);
              }
              case Command.WriteStatus w -> writer.dirty(actor);
              case Command.SetTimer t -> {}
              case Command.DeleteJob d -> {}
              case Command.CreateChild child ->
                  throw new IllegalStateException("no subworkflows here");
              case Command.StopChild stop -> {}
              case Command.ConfirmGone g -> {}
              case Command.AwaitSignal a -> {}
              case Command.CancelSignalWait a -> {}
              case Command.EmitSignals e -> {}
            }
          }
        };
    FlowEngine engine = new FlowEngine(engineThreads, sink, Clock.systemUTC());
    JsonNode definition = Json.toTree(wf.spec());
    long t0 = System.nanoTime();
    for (int i = 0; i < instances; i++) {
      InstanceKey key = new InstanceKey("bench", "run-" + i);
      completedAt.put(key, new ConcurrentHashMap<>());
      FlowActor actor =
          engine.getOrCreate(key, () -> new InstanceFlow(key.name(), wf, definition, params(wf)));
      actor.tell(new FlowEvent.Start(Clock.systemUTC().instant()));
    }
    if (!done.await(5, TimeUnit.MINUTES))
      throw new IllegalStateException("instances did not finish");
    double seconds = (System.nanoTime() - t0) / 1e9;
    long failed =
        engine.actors().stream().filter(a -> a.phase() != InstancePhase.Succeeded).count();
    kubelet.shutdownNow();
    engineThreads.shutdownNow();
    if (failed > 0) {
      var bad =
          engine.actors().stream()
              .filter(a -> a.phase() != InstancePhase.Succeeded)
              .findFirst()
              .orElseThrow();
      throw new IllegalStateException(
          failed
              + " instances did not succeed, e.g. "
              + bad.key()
              + ": "
              + Json.write(bad.snapshot().get(10, TimeUnit.SECONDS)));
    }
    if (!report) return;
    System.out.printf(
        "(a) step hand-off, %d concurrent instances x %d steps, steps run %d-%d ms:%n",
        instances, wf.size(), minMs, maxMs);
    System.out.printf(
        "    p50 %.3f ms   p99 %.3f ms   max %.3f ms   (%d hand-offs; all runs done in %.1f s, %,.0f steps/s)%n",
        rec.percentile(50) / 1e6,
        rec.percentile(99) / 1e6,
        rec.percentile(100) / 1e6,
        rec.size(),
        seconds,
        instances * wf.size() / seconds);
    System.out.printf(
        "    status writes: %d snapshots taken for %d dirty marks (coalesced)%n",
        writer.writes(), writer.marks());
  }

  /**
   * (c) Heap with every instance in flight: steps up to the second layer complete, the second
   * layer's Jobs never end, so each instance holds a mix of finished steps with outputs, running
   * steps and waiting steps. Measured after GC, minus the heap before the instances existed.
   */
  static void heap(int instances) throws Exception {
    CompiledWorkflow wf = compile(layered(), Limits.DEFAULT);
    ExecutorService engineThreads = Executors.newFixedThreadPool(ENGINE_THREADS, daemon());
    FakeStatusWriter writer = new FakeStatusWriter(new CountDownLatch(0));
    java.util.concurrent.atomic.LongAdder held = new java.util.concurrent.atomic.LongAdder();
    CommandSink sink =
        (actor, commands) -> {
          for (Command c : commands) {
            if (c instanceof Command.CreateJob create) {
              actor.tell(
                  new FlowEvent.StepLaunched(
                      create.stepId(), create.attempt(), actor.clock().instant()));
              if (create.stepId().startsWith("l1-")) {
                held.increment();
              } else {
                actor.tell(
                    new FlowEvent.StepSucceeded(
                        create.stepId(),
                        create.attempt(),
                        "{\"rows\": 1}",
                        actor.clock().instant()));
              }
            } else if (c instanceof Command.WriteStatus) {
              writer.dirty(actor);
            }
          }
        };
    long before = usedHeapAfterGc();
    FlowEngine engine = new FlowEngine(engineThreads, sink, Clock.systemUTC());
    JsonNode definition = Json.toTree(wf.spec());
    for (int i = 0; i < instances; i++) {
      InstanceKey key = new InstanceKey("bench", "held-" + i);
      engine
          .getOrCreate(key, () -> new InstanceFlow(key.name(), wf, definition, params(wf)))
          .tell(new FlowEvent.Start(Clock.systemUTC().instant()));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (held.sum() < instances * 6L && System.nanoTime() < deadline) Thread.sleep(10);
    Thread.sleep(100);
    long after = usedHeapAfterGc();
    long inFlight = engine.actors().stream().filter(a -> !a.phase().isFinal()).count();
    System.out.printf(
        "(c) heap: %d MB used after GC with %d instances in flight (7 of 20 steps done, 6 running each);%n"
            + "    %.1f KB per instance; %d MB before they existed%n",
        after >> 20, inFlight, (after - before) / 1024.0 / instances, before >> 20);
    engineThreads.shutdownNow();
  }

  // ---- (b) transitions per second ----------------------------------------------------------

  static void transitions(String name, WorkflowSpec spec) throws Exception {
    CompiledWorkflow wf = compile(spec, new Limits(20_000, 64 << 20, Duration.ofDays(120)));
    ExecutorService engineThreads = Executors.newFixedThreadPool(ENGINE_THREADS, daemon());
    CountDownLatch done = new CountDownLatch(1);
    FakeStatusWriter writer = new FakeStatusWriter(done);
    CommandSink sink =
        (actor, commands) -> {
          for (Command c : commands) {
            if (c instanceof Command.CreateJob create) {
              actor.tell(
                  new FlowEvent.StepLaunched(
                      create.stepId(), create.attempt(), actor.clock().instant()));
              actor.tell(
                  new FlowEvent.StepSucceeded(
                      create.stepId(), create.attempt(), null, actor.clock().instant()));
            } else if (c instanceof Command.WriteStatus) {
              writer.dirty(actor);
            }
          }
        };
    FlowEngine engine = new FlowEngine(engineThreads, sink, Clock.systemUTC());
    double best = 0;
    long transitions = 0;
    for (int round = 0; round < 3; round++) {
      CountDownLatch roundDone = new CountDownLatch(1);
      writer.latch = roundDone;
      InstanceKey key = new InstanceKey("bench", name + "-" + round);
      InstanceFlow flow = new InstanceFlow(key.name(), wf, Json.toTree(wf.spec()), params(wf));
      long t0 = System.nanoTime();
      engine.getOrCreate(key, () -> flow).tell(new FlowEvent.Start(Clock.systemUTC().instant()));
      if (!roundDone.await(5, TimeUnit.MINUTES))
        throw new IllegalStateException(name + " did not finish");
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (flow.phase() != InstancePhase.Succeeded)
        throw new IllegalStateException(name + " ended " + flow.phase());
      transitions = flow.transitions();
      best = Math.max(best, transitions / seconds);
    }
    engineThreads.shutdownNow();
    System.out.printf(
        "(b) %-5s DAG of %,d job steps: %,.0f step transitions/s (best of 3; %,d transitions a run)%n",
        name, wf.size(), best, transitions);
  }

  // ---- shapes ------------------------------------------------------------------------------

  /** 20 steps: a root, three layers of six each depending on all of the layer before, a join. */
  static WorkflowSpec layered() {
    List<Step> steps = new ArrayList<>();
    steps.add(step("root"));
    List<String> previous = List.of("root");
    for (int layer = 0; layer < 3; layer++) {
      List<String> ids = new ArrayList<>();
      for (int j = 0; j < 6; j++) {
        Step s = step("l" + layer + "-" + j);
        s.dependsOn = previous;
        steps.add(s);
        ids.add(s.id);
      }
      previous = ids;
    }
    Step join = step("join");
    join.dependsOn = previous;
    steps.add(join);
    return spec(steps);
  }

  static WorkflowSpec wide(int n) {
    List<Step> steps = new ArrayList<>();
    steps.add(step("root"));
    for (int i = 0; i < n - 1; i++) {
      Step s = step("s" + i);
      s.dependsOn = List.of("root");
      steps.add(s);
    }
    return spec(steps);
  }

  static WorkflowSpec chain(int n) {
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Step s = step("s" + i);
      if (i > 0) s.dependsOn = List.of("s" + (i - 1));
      steps.add(s);
    }
    return spec(steps);
  }

  static Step step(String id) {
    Step s = new Step();
    s.id = id;
    s.job = new JobTemplate();
    s.job.image = "busybox";
    s.job.args = List.of("--date=${params.date}");
    return s;
  }

  static WorkflowSpec spec(List<Step> steps) {
    WorkflowSpec spec = new WorkflowSpec();
    dev.baton.api.ParamSpec date = new dev.baton.api.ParamSpec();
    date.name = "date";
    date.defaultValue = Json.MAPPER.getNodeFactory().textNode("2026-01-01");
    spec.params = List.of(date);
    spec.steps = steps;
    return spec;
  }

  static CompiledWorkflow compile(WorkflowSpec spec, Limits limits) throws Exception {
    return new WorkflowCompiler(limits).compile(spec);
  }

  static Map<String, JsonNode> params(CompiledWorkflow wf) {
    try {
      return dev.baton.dag.ParamResolver.resolve(wf.params(), Map.of());
    } catch (dev.baton.dag.InvalidDefinitionException e) {
      throw new IllegalStateException(e);
    }
  }

  static java.util.concurrent.ThreadFactory daemon() {
    return r -> {
      Thread t = new Thread(r, "baton-flow");
      t.setDaemon(true);
      return t;
    };
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Coalesces status writes like the real StatusWriter: one in flight per instance. */
  static final class FakeStatusWriter {
    volatile CountDownLatch latch;

    /** When set, the largest status JSON written, in bytes. */
    volatile java.util.concurrent.atomic.AtomicLong sizes;

    private final Map<InstanceKey, AtomicBoolean> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService io =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "fake-status-writer");
              t.setDaemon(true);
              return t;
            });
    private final java.util.concurrent.atomic.LongAdder writes =
        new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder marks =
        new java.util.concurrent.atomic.LongAdder();

    FakeStatusWriter(CountDownLatch latch) {
      this.latch = latch;
    }

    void dirty(FlowActor actor) {
      marks.increment();
      AtomicBoolean p = pending.computeIfAbsent(actor.key(), k -> new AtomicBoolean());
      if (!p.compareAndSet(false, true)) return;
      CountDownLatch runDone = latch;
      io.schedule(
          () -> {
            p.set(false);
            var status = actor.snapshot().join();
            writes.increment();
            if (sizes != null)
              sizes.accumulateAndGet(
                  Json.write(status).getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                  Math::max);
            if (status.phase.isFinal()) runDone.countDown();
          },
          2,
          TimeUnit.MILLISECONDS);
    }

    long writes() {
      return writes.sum();
    }

    long marks() {
      return marks.sum();
    }
  }

  static final class Recorder {
    private long[] values;
    private int size;

    Recorder(int capacity) {
      values = new long[capacity];
    }

    synchronized void add(long v) {
      if (size == values.length) values = Arrays.copyOf(values, size * 2);
      values[size++] = v;
    }

    synchronized long percentile(double p) {
      long[] sorted = Arrays.copyOf(values, size);
      Arrays.sort(sorted);
      int idx = (int) Math.min(size - 1, Math.max(0, Math.ceil(p / 100.0 * size) - 1));
      return sorted[idx];
    }

    synchronized int size() {
      return size;
    }
  }
}
