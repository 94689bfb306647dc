package dev.baton.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Json;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.dag.CompiledWorkflow;
import dev.baton.dag.InvalidDefinitionException;
import dev.baton.dag.ParamResolver;
import dev.baton.dag.Specs;
import dev.baton.flow.Command.CreateJob;
import dev.baton.flow.Command.DeleteJob;
import dev.baton.flow.Command.SetTimer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One run of a definition driven by hand: events in with explicit times, every command kept. Times
 * are seconds after {@link #T0}.
 */
final class FlowHarness {
  static final Instant T0 = Instant.parse("2024-05-01T00:00:00Z");
  static final String INSTANCE = "run-1";

  final CompiledWorkflow wf;
  final JsonNode definition;
  final Map<String, JsonNode> params;
  InstanceFlow flow;

  /** Every command of every event, in order, across restarts. */
  final List<Command> all = new ArrayList<>();

  FlowHarness(String yaml) {
    this(Specs.compile(yaml), Map.of());
  }

  FlowHarness(CompiledWorkflow wf, Map<String, JsonNode> supplied) {
    this.wf = wf;
    this.definition = Json.toTree(wf.spec());
    try {
      this.params = ParamResolver.resolve(wf.params(), supplied);
    } catch (InvalidDefinitionException e) {
      throw new AssertionError(e.problems());
    }
    this.flow = newFlow();
  }

  InstanceFlow newFlow() {
    return new InstanceFlow(INSTANCE, wf, definition, params);
  }

  static Instant at(double seconds) {
    return T0.plus(Duration.ofMillis(Math.round(seconds * 1000)));
  }

  List<Command> handle(FlowEvent event) {
    List<Command> out = flow.handle(event);
    all.addAll(out);
    return out;
  }

  List<Command> start() {
    return handle(new FlowEvent.Start(T0));
  }

  List<Command> launched(String step, int attempt, double t) {
    return handle(new FlowEvent.StepLaunched(step, attempt, at(t)));
  }

  List<Command> succeed(String step, int attempt, double t) {
    return succeed(step, attempt, null, t);
  }

  List<Command> succeed(String step, int attempt, String output, double t) {
    return handle(new FlowEvent.StepSucceeded(step, attempt, output, at(t)));
  }

  /** A user error: the container exited 1. */
  List<Command> fail(String step, int attempt, double t) {
    return fail(step, attempt, FailureKind.USER, t);
  }

  List<Command> fail(String step, int attempt, FailureKind kind, double t) {
    Integer code = kind == FailureKind.USER ? 1 : null;
    return handle(new FlowEvent.StepFailed(step, attempt, kind, kind + " failure", code, at(t)));
  }

  List<Command> fire(TimerKey.Kind kind, String step, int attempt, double t) {
    return handle(new FlowEvent.TimerFired(new TimerKey(kind, step, attempt), at(t)));
  }

  List<Command> stop(double t) {
    return handle(new FlowEvent.StopRequested(at(t)));
  }

  /** How many of {@link #all} {@link #finishLaunched} has gone through. */
  private int finishedUpTo;

  /**
   * Plays a runtime whose Jobs all end as soon as they exist: launches and finishes every Job
   * created and not yet finished, again and again until the run creates no more. {@code outcome}
   * gives a Job's termination message (succeeds) or null (fails with a user error).
   */
  void finishLaunched(double t, java.util.function.Function<CreateJob, String> outcome) {
    boolean more = true;
    while (more && !flow.phase().isFinal()) {
      more = false;
      List<Command> fresh = List.copyOf(all.subList(finishedUpTo, all.size()));
      finishedUpTo = all.size();
      for (CreateJob c : creates(fresh)) {
        more = true;
        launched(c.stepId(), c.attempt(), t);
        String output = outcome.apply(c);
        if (output == null) fail(c.stepId(), c.attempt(), t);
        else succeed(c.stepId(), c.attempt(), output, t);
      }
    }
  }

  void succeedLaunched(double t) {
    finishLaunched(t, c -> "");
  }

  WorkflowInstanceStatus status() {
    return flow.snapshot();
  }

  StepStatus step(String id) {
    return status().steps.get(id);
  }

  /** The status as the API server would hand it back: through JSON. */
  WorkflowInstanceStatus writtenStatus() {
    return Json.fromTree(Json.toTree(flow.snapshot()), WorkflowInstanceStatus.class);
  }

  /** A new engine, as after an operator restart, loaded from {@code status}. */
  void operatorRestart(WorkflowInstanceStatus status) {
    flow = newFlow();
    flow.restore(status);
  }

  static String jobName(String step, int attempt) {
    return JobNames.of(INSTANCE, step, attempt);
  }

  static List<CreateJob> creates(List<Command> commands) {
    return commands.stream()
        .filter(CreateJob.class::isInstance)
        .map(CreateJob.class::cast)
        .toList();
  }

  /** "step#attempt" of each CreateJob. */
  static List<String> created(List<Command> commands) {
    return creates(commands).stream().map(c -> c.stepId() + "#" + c.attempt()).toList();
  }

  static List<DeleteJob> deletes(List<Command> commands) {
    return commands.stream()
        .filter(DeleteJob.class::isInstance)
        .map(DeleteJob.class::cast)
        .toList();
  }

  static List<SetTimer> timers(List<Command> commands) {
    return commands.stream().filter(SetTimer.class::isInstance).map(SetTimer.class::cast).toList();
  }

  static List<SetTimer> timers(List<Command> commands, TimerKey.Kind kind) {
    return timers(commands).stream().filter(t -> t.key().kind() == kind).toList();
  }
}
