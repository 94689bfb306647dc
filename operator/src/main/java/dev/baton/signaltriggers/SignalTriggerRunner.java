package dev.baton.signaltriggers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.ParamSpec;
import dev.baton.api.Signal;
import dev.baton.api.SignalRun;
import dev.baton.api.SignalStatus;
import dev.baton.api.SignalTrigger;
import dev.baton.api.SignalTriggerStatus;
import dev.baton.api.StartingSignal;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.dag.DefinitionCache;
import dev.baton.dag.InvalidDefinitionException;
import dev.baton.dag.ParamResolver;
import dev.baton.expr.ExpressionException;
import dev.baton.runtime.EventRecorder;
import dev.baton.runtime.Labels;
import dev.baton.runtime.StatusReplacer;
import dev.baton.signals.CompiledSignalTrigger;
import dev.baton.signals.SignalJoins;
import dev.baton.signals.SignalView;
import dev.baton.signals.TriggerRunNames;
import dev.baton.signals.Watermark;
import dev.baton.util.Text;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the runs a new signal calls for: for each signal trigger (of the Workflows of its
 * namespace) that selects it, the runs {@link SignalJoins} says, each an ordinary WorkflowInstance
 * (the Workflow's run strategy applies to it as to any other).
 *
 * <p><b>Exactly once.</b> A run's instance name is a pure function of (workflow, trigger, its
 * signals' uids) ({@link TriggerRunNames}), so creating it again, after a retry or a restart, meets
 * AlreadyExists, which counts as done when the instance found is this trigger's (its labels say
 * so). A signal has started its run of a trigger, and takes part in no other, once (a) its
 * status.runs names the trigger, (b) an instance carries the trigger's label and the signal's
 * {@code signal.baton.dev/<uid>} label, or (c) this process started one with it. The checkpoint,
 * (a), is written only after the instance exists; (b) covers a crash between the two, for the
 * informer lists every instance before the first signal is looked at; (c) covers the informer's lag
 * meanwhile. A join's choices are made under a lock per trigger.
 *
 * <p><b>Failures</b> that a retry would not mend (the Workflow is invalid, the params do not render
 * or do not fit the Workflow's) are recorded once: on each signal's status.runs (with an error, so
 * the signal is spent for that trigger), on the Workflow's status.signalTriggers (lastFailure) and
 * as a Warning Event on the Workflow. Anything else (the API server) is thrown, for the controller
 * to retry with backoff.
 */
public final class SignalTriggerRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SignalTriggerRunner.class);
  private static final int STATUS_ATTEMPTS = 10;

  /** What the runner reads from the informers. */
  public interface View {
    /** The Workflows of the namespace with a signal trigger selecting signals of that name. */
    List<Workflow> workflowsSelecting(String namespace, String signalName);

    /** The Signals of the namespace with that name (spec.name). */
    List<Signal> signals(String namespace, String signalName);

    /** The instances carrying the signal.baton.dev/uid label of that signal. */
    List<WorkflowInstance> startedBy(String namespace, String signalUid);
  }

  private final KubernetesClient client;
  private final DefinitionCache definitions;
  private final EventRecorder events;
  private final SignalTriggerLog log;
  private final Clock clock;
  private final StatusReplacer statuses;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** (c) above: "namespace/uid/workflow/trigger" of the signals this process used. */
  private final Set<String> spent = ConcurrentHashMap.newKeySet();

  private final Map<String, Optional<CompiledSignalTrigger>> compiled = new ConcurrentHashMap<>();

  public SignalTriggerRunner(
      KubernetesClient client,
      DefinitionCache definitions,
      EventRecorder events,
      SignalTriggerLog log,
      Clock clock) {
    this.client = client;
    this.statuses = new StatusReplacer(client);
    this.definitions = definitions;
    this.events = events;
    this.log = log;
    this.clock = clock;
  }

  /** Starts what {@code signal} calls for, and records what it already started. */
  public void onSignal(Signal signal, View view) {
    if (signal.getSpec() == null || signal.getSpec().name == null) return;
    String ns = signal.getMetadata().getNamespace();
    SignalView me = view(signal);
    for (Workflow w : view.workflowsSelecting(ns, me.name())) {
      if (w.getSpec() == null || w.getSpec().triggers == null) continue;
      for (SignalTrigger t : w.getSpec().triggers.signals) {
        if (t == null || t.signals == null) continue;
        if (t.signals.stream().noneMatch(s -> s != null && me.name().equals(s.name))) continue;
        CompiledSignalTrigger trigger = compiled(w, t);
        Instant since = since(w, t.name);
        if (trigger == null || since == null || !Watermark.counts(me.created(), since)) continue;
        String wf = w.getMetadata().getName();
        if (recordedOrStarted(signal, wf, t.name, view)) continue;
        if (trigger.selectorOf(me) < 0) continue;
        if (!trigger.isJoin()) {
          start(w, trigger, List.of(me), view);
          continue;
        }
        synchronized (locks.computeIfAbsent(ns + "/" + wf + "/" + t.name, k -> new Object())) {
          List<SignalView> fresh = new ArrayList<>();
          for (String name : trigger.signalNames()) {
            for (Signal other : view.signals(ns, name)) {
              SignalView o = view(other);
              if (Watermark.counts(o.created(), since) && !spent(other, wf, t.name, view)) {
                fresh.add(o);
              }
            }
          }
          for (List<SignalView> run : SignalJoins.runs(trigger, fresh))
            start(w, trigger, run, view);
        }
      }
    }
  }

  /**
   * Whether the signal has started its run of the trigger; when only an instance says so (a crash
   * came between the create and the checkpoint), the checkpoint is written now.
   */
  private boolean recordedOrStarted(Signal signal, String workflow, String trigger, View view) {
    if (recorded(signal, workflow, trigger)) return true;
    WorkflowInstance run = instanceOf(signal, workflow, trigger, view);
    if (run != null) {
      checkpoint(
          signal, new SignalRun(workflow, trigger, run.getMetadata().getName(), null, now()));
      return true;
    }
    return spent.contains(key(signal, workflow, trigger));
  }

  private boolean spent(Signal signal, String workflow, String trigger, View view) {
    return recorded(signal, workflow, trigger)
        || spent.contains(key(signal, workflow, trigger))
        || instanceOf(signal, workflow, trigger, view) != null;
  }

  private static boolean recorded(Signal signal, String workflow, String trigger) {
    var st = signal.getStatus();
    if (st == null || st.runs == null) return false;
    return st.runs.stream().anyMatch(r -> workflow.equals(r.workflow) && trigger.equals(r.trigger));
  }

  private static WorkflowInstance instanceOf(
      Signal signal, String workflow, String trigger, View view) {
    for (WorkflowInstance i :
        view.startedBy(signal.getMetadata().getNamespace(), signal.getMetadata().getUid())) {
      if (ours(i, workflow, trigger)) return i;
    }
    return null;
  }

  private static boolean ours(WorkflowInstance i, String workflow, String trigger) {
    var labels = i.getMetadata().getLabels();
    return labels != null
        && trigger.equals(labels.get(Labels.TRIGGER))
        && i.getSpec() != null
        && workflow.equals(i.getSpec().workflow);
  }

  private static String key(Signal s, String workflow, String trigger) {
    return s.getMetadata().getNamespace()
        + "/"
        + s.getMetadata().getUid()
        + "/"
        + workflow
        + "/"
        + trigger;
  }

  /** Starts one run of {@code trigger} from {@code run}'s signals, or records why it cannot. */
  private void start(Workflow w, CompiledSignalTrigger trigger, List<SignalView> run, View view) {
    String ns = w.getMetadata().getNamespace();
    String wf = w.getMetadata().getName();
    String name =
        TriggerRunNames.instanceName(
            wf, trigger.name(), run.stream().map(SignalView::uid).toList());
    String why = null;
    Map<String, JsonNode> params = null;
    List<ParamSpec> declared = w.getSpec().params == null ? List.of() : w.getSpec().params;
    try {
      definitions.compile(w.getSpec());
    } catch (InvalidDefinitionException e) {
      why = "the workflow is invalid: " + e.getMessage();
    }
    if (why == null) {
      try {
        params = ParamResolver.fromStrings(declared, trigger.render(run));
        ParamResolver.resolve(declared, params);
      } catch (ExpressionException e) {
        why = "the params do not render: " + e.getMessage();
      } catch (InvalidDefinitionException e) {
        why = "the params do not fit the workflow: " + e.getMessage();
      }
    }
    if (why == null) why = create(w, trigger, run, name, params);
    Instant at = clock.instant();
    for (SignalView s : run) spent.add(ns + "/" + s.uid() + "/" + wf + "/" + trigger.name());
    SignalRun record =
        new SignalRun(wf, trigger.name(), why == null ? name : null, why, at.toString());
    if (why == null) {
      log.started(ns, wf, trigger.name(), name, at);
    } else {
      String message =
          "trigger \""
              + trigger.name()
              + "\": signals "
              + describe(run)
              + ": "
              + Text.abbreviate(why, 700);
      LOG.warn("{}/{}: {}", ns, wf, message);
      log.failed(ns, wf, trigger.name(), message, at);
      events.record(w, EventRecorder.Type.Warning, EventRecorder.Reason.TriggerFailed, message);
    }
    for (SignalView s : run) {
      Signal signal =
          view.signals(ns, s.name()).stream()
              .filter(x -> s.uid().equals(x.getMetadata().getUid()))
              .findFirst()
              .orElse(null);
      if (signal != null) checkpoint(signal, record);
    }
  }

  /** Creates the run's instance; null when it exists now, else why it cannot. */
  private String create(
      Workflow w,
      CompiledSignalTrigger trigger,
      List<SignalView> run,
      String name,
      Map<String, JsonNode> params) {
    String ns = w.getMetadata().getNamespace();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.TRIGGER, trigger.name());
    for (SignalView s : run) labels.put(Labels.SIGNAL_PREFIX + s.uid(), s.name());
    WorkflowInstance instance = new WorkflowInstance();
    instance.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace(ns).withLabels(labels).build());
    WorkflowInstanceSpec spec = new WorkflowInstanceSpec();
    spec.workflow = w.getMetadata().getName();
    spec.params = params == null || params.isEmpty() ? null : params;
    spec.signals = new ArrayList<>();
    for (SignalView s : run) {
      spec.signals.add(
          new StartingSignal(
              s.name(), s.object(), s.uid(), CompiledSignalTrigger.summary(s.params(), 1024)));
    }
    instance.setSpec(spec);
    try {
      client.resources(WorkflowInstance.class).inNamespace(ns).resource(instance).create();
      return null;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        WorkflowInstance existing =
            client.resources(WorkflowInstance.class).inNamespace(ns).withName(name).get();
        if (existing == null) throw e; // deleted meanwhile: the retry creates it
        if (ours(existing, w.getMetadata().getName(), trigger.name())
            && run.stream()
                .allMatch(s ->
                    existing
                        .getMetadata()
                        .getLabels()
                        .containsKey(Labels.SIGNAL_PREFIX + s.uid()))) {
          return null;
        }
        return "an instance named " + name + " exists and was not started by this trigger";
      }
      if (e.getCode() == 422 || e.getCode() == 400) {
        return "the instance was refused: " + e.getMessage();
      }
      throw e;
    }
  }

  /** Adds {@code record} to the signal's status.runs, unless its trigger is there already. */
  private void checkpoint(Signal signal, SignalRun record) {
    var written =
        statuses.replace(
            signal,
            current -> {
              var st = current.getStatus() == null ? new SignalStatus() : current.getStatus();
              if (recorded(current, record.workflow, record.trigger)) return null;
              var copy = new SignalStatus();
              copy.runs = st.runs == null ? new ArrayList<>() : new ArrayList<>(st.runs);
              copy.runs.add(record);
              return copy;
            },
            STATUS_ATTEMPTS);
    LOG.debug(
        "signal {}: recorded {} -> {}",
        signal.getMetadata().getName(),
        record.trigger,
        written != null);
  }

  private String now() {
    return clock.instant().toString();
  }

  private static String describe(List<SignalView> run) {
    List<String> parts = new ArrayList<>();
    for (SignalView s : run)
      parts.add(s.name() + " " + s.object() + " " + CompiledSignalTrigger.summary(s.params(), 120));
    return String.join(", ", parts);
  }

  /** The trigger compiled against its Workflow's params, cached per Workflow generation. */
  private CompiledSignalTrigger compiled(Workflow w, SignalTrigger t) {
    String key =
        w.getMetadata().getNamespace()
            + "/"
            + w.getMetadata().getUid()
            + "/"
            + w.getMetadata().getGeneration()
            + "/"
            + t.name;
    if (compiled.size() > 4096) compiled.clear();
    return compiled
        .computeIfAbsent(
            key,
            k ->
                Optional.ofNullable(
                    CompiledSignalTrigger.compile(
                        t,
                        w.getSpec().params == null ? List.of() : w.getSpec().params,
                        new ArrayList<>())))
        .orElse(null);
  }

  /** The trigger's watermark from the Workflow's status, or null: not active yet. */
  private static Instant since(Workflow w, String trigger) {
    SignalTriggerStatus s =
        SignalTriggerLog.find(w.getStatus() == null ? null : w.getStatus().signalTriggers, trigger);
    if (s == null || s.since == null) return null;
    try {
      return Instant.parse(s.since);
    } catch (RuntimeException e) {
      return null;
    }
  }

  public static SignalView view(Signal s) {
    String created = s.getMetadata().getCreationTimestamp();
    return new SignalView(
        s.getSpec().name,
        s.getMetadata().getName(),
        s.getMetadata().getUid(),
        created == null ? Instant.EPOCH : Instant.parse(created),
        s.getSpec().params);
  }
}
