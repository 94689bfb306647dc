package dev.baton.flow;

import static dev.baton.flow.FlowHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.InstancePhase;
import dev.baton.api.StepState;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.dag.Limits;
import dev.baton.dag.Specs;
import dev.baton.flow.Command.CreateJob;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FlowActorTest {
  static final InstanceKey KEY = new InstanceKey("default", "run-1");
  static final Clock CLOCK = Clock.fixed(FlowHarness.T0, ZoneOffset.UTC);

  final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  /** Records commands and notices when two calls overlap. */
  static final class RecordingSink implements CommandSink {
    final List<Command> commands = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger maxInside = new AtomicInteger();

    @Override
    public void execute(FlowActor actor, List<Command> batch) {
      int now = inside.incrementAndGet();
      maxInside.accumulateAndGet(now, Math::max);
      for (int i = 0; i < 50; i++) Thread.yield(); // widen the window for an overlap
      commands.addAll(batch);
      inside.decrementAndGet();
    }

    List<String> createdSteps() {
      synchronized (commands) {
        return commands.stream()
            .filter(CreateJob.class::isInstance)
            .map(c -> ((CreateJob) c).stepId())
            .toList();
      }
    }
  }

  /** Runs tasks only when told, so the test decides what is queued before anything runs. */
  static final class ManualExecutor implements java.util.concurrent.Executor {
    final Queue<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable r) {
      tasks.add(r);
    }

    void runAll() {
      Runnable r;
      while ((r = tasks.poll()) != null) r.run();
    }
  }

  /** threads × perThread roots r{t}_{j}, each with a dependent d{t}_{j}. */
  static FlowHarness wide(int threads, int perThread) {
    StringBuilder yaml = new StringBuilder("stepConcurrency: 1000\nsteps:\n");
    for (int t = 0; t < threads; t++) {
      for (int j = 0; j < perThread; j++) {
        yaml.append("  - {id: r%d_%d, job: {image: busybox}}\n".formatted(t, j));
        yaml.append(
            "  - {id: d%d_%d, dependsOn: [r%d_%d], job: {image: busybox}}\n".formatted(t, j, t, j));
      }
    }
    return new FlowHarness(
        Specs.compile(yaml.toString(), new Limits(1000, 1 << 20, Duration.ofDays(1))), Map.of());
  }

  @Test
  void eventsFromManyThreadsAreHandledOneAtATimeInOrder() throws Exception {
    int threads = 4;
    int perThread = 50;
    FlowHarness run = wide(threads, perThread);
    RecordingSink sink = new RecordingSink();
    FlowEngine engine = new FlowEngine(pool, sink, CLOCK);
    FlowActor actor = engine.getOrCreate(KEY, () -> run.flow);
    actor.tell(new FlowEvent.Start(at(0)));

    CountDownLatch go = new CountDownLatch(1);
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread sender =
          Thread.ofPlatform()
              .start(() -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int j = 0; j < perThread; j++) {
                  actor.tell(
                      new FlowEvent.StepSucceeded(
                          "r%d_%d".formatted(thread, j), 1, null, at(1 + j)));
                }
              });
      senders.add(sender);
    }
    go.countDown();
    for (Thread s : senders) s.join(5_000);

    WorkflowInstanceStatus st = actor.snapshot().get(5, TimeUnit.SECONDS);

    // The snapshot came after every event: all roots done, all dependents launched.
    assertThat(st.steps.entrySet())
        .allSatisfy(e ->
            assertThat(e.getValue().state)
                .isEqualTo(e.getKey().startsWith("r") ? StepState.Succeeded : StepState.Launching));
    assertThat(sink.maxInside.get()).as("overlapping handlers").isEqualTo(1);
    List<String> dependents =
        sink.createdSteps().stream().filter(id -> id.startsWith("d")).toList();
    assertThat(dependents).hasSize(threads * perThread).doesNotHaveDuplicates();
    for (int t = 0; t < threads; t++) {
      String prefix = "d" + t + "_";
      List<Integer> order =
          dependents.stream()
              .filter(id -> id.startsWith(prefix))
              .map(id -> Integer.parseInt(id.substring(prefix.length())))
              .toList();
      assertThat(order).as("thread %d's events in the order it sent them", t).isSorted();
    }
    assertThat(actor.phase()).isEqualTo(InstancePhase.Running);
  }

  @Test
  void aSnapshotIsTakenInTurnWithTheEvents() throws Exception {
    FlowHarness run = new FlowHarness(InstanceFlowTest.DIAMOND);
    ManualExecutor executor = new ManualExecutor();
    FlowActor actor =
        new FlowEngine(executor, new RecordingSink(), CLOCK).getOrCreate(KEY, () -> run.flow);

    actor.tell(new FlowEvent.Start(at(0)));
    CompletableFuture<WorkflowInstanceStatus> afterStart = actor.snapshot();
    actor.tell(new FlowEvent.StepSucceeded("a", 1, null, at(1)));
    CompletableFuture<WorkflowInstanceStatus> afterA = actor.snapshot();
    assertThat(afterStart).isNotDone();

    executor.runAll();
    assertThat(afterStart.get().steps.get("a").state).isEqualTo(StepState.Launching);
    assertThat(afterA.get().steps.get("a").state).isEqualTo(StepState.Succeeded);
    assertThat(afterA.get().steps.get("b").state).isEqualTo(StepState.Launching);
  }

  @Test
  void aLongMailboxIsDrainedInBatchesThatYieldTheThread() {
    FlowHarness run = new FlowHarness(InstanceFlowTest.DIAMOND);
    ManualExecutor executor = new ManualExecutor();
    FlowActor actor =
        new FlowEngine(executor, new RecordingSink(), CLOCK).getOrCreate(KEY, () -> run.flow);
    actor.tell(new FlowEvent.Start(at(0)));
    for (int i = 0; i < 200; i++) actor.tell(new FlowEvent.StepLaunched("a", 1, at(1)));
    CompletableFuture<WorkflowInstanceStatus> last = actor.snapshot();
    assertThat(executor.tasks).hasSize(1);
    executor.tasks.poll().run();
    assertThat(last).isNotDone();
    assertThat(executor.tasks).as("the rest is rescheduled").hasSize(1);
    executor.runAll();
    assertThat(last).isDone();
  }

  @Test
  void theSinkSeesTheCommandsOfEachEvent() {
    FlowHarness run = new FlowHarness(InstanceFlowTest.DIAMOND);
    ManualExecutor executor = new ManualExecutor();
    List<List<Command>> batches = new ArrayList<>();
    FlowActor actor =
        new FlowEngine(executor, (a, commands) -> batches.add(commands), CLOCK)
            .getOrCreate(KEY, () -> run.flow);
    actor.tell(new FlowEvent.Start(at(0)));
    actor.tell(new FlowEvent.StepLaunched("a", 1, at(1)));
    actor.tell(new FlowEvent.StepLaunched("a", 1, at(2))); // a duplicate: no commands, no call
    executor.runAll();
    assertThat(batches).hasSize(2);
    assertThat(FlowHarness.created(batches.getFirst())).containsExactly("a#1");
    assertThat(batches.get(1)).containsExactly(Command.WriteStatus.INSTANCE);
  }

  @Test
  void aFailingSinkDoesNotStopTheActor() throws Exception {
    FlowHarness run = new FlowHarness(InstanceFlowTest.DIAMOND);
    AtomicInteger calls = new AtomicInteger();
    CommandSink flaky =
        (a, commands) -> {
          if (calls.incrementAndGet() == 1) throw new IllegalStateException("API down");
        };
    FlowActor actor = new FlowEngine(pool, flaky, CLOCK).getOrCreate(KEY, () -> run.flow);
    actor.tell(new FlowEvent.Start(at(0)));
    actor.tell(new FlowEvent.StepSucceeded("a", 1, null, at(1)));
    WorkflowInstanceStatus st = actor.snapshot().get(5, TimeUnit.SECONDS);
    assertThat(st.steps.get("a").state).isEqualTo(StepState.Succeeded);
    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  void thePhaseIsVisibleAfterTheEventIsHandled() throws Exception {
    FlowHarness run = new FlowHarness("steps: [{id: a, type: noop}]");
    FlowActor actor = new FlowEngine(pool, (a, c) -> {}, CLOCK).getOrCreate(KEY, () -> run.flow);
    assertThat(actor.phase()).isEqualTo(InstancePhase.Pending);
    actor.tell(new FlowEvent.Start(at(0)));
    actor.snapshot().get(5, TimeUnit.SECONDS);
    assertThat(actor.phase()).isEqualTo(InstancePhase.Succeeded);
  }

  @Test
  void theEngineKeepsOneActorPerInstance() {
    FlowEngine engine = new FlowEngine(new ManualExecutor(), (a, c) -> {}, CLOCK);
    AtomicInteger made = new AtomicInteger();
    AtomicReference<FlowHarness> harness =
        new AtomicReference<>(new FlowHarness(InstanceFlowTest.DIAMOND));
    FlowActor first =
        engine.getOrCreate(
            KEY,
            () -> {
              made.incrementAndGet();
              return harness.get().flow;
            });
    FlowActor again =
        engine.getOrCreate(
            KEY,
            () -> {
              made.incrementAndGet();
              return harness.get().newFlow();
            });
    assertThat(again).isSameAs(first);
    assertThat(made.get()).isEqualTo(1);
    assertThat(engine.get(KEY)).isSameAs(first);
    assertThat(first.key()).isEqualTo(KEY);
    assertThat(engine.size()).isEqualTo(1);
    engine.remove(KEY);
    assertThat(engine.get(KEY)).isNull();
    assertThat(engine.actors()).isEmpty();
  }
}
