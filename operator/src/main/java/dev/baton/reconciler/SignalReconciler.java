package dev.baton.reconciler;

import dev.baton.api.Signal;
import dev.baton.api.SignalSelector;
import dev.baton.api.SignalTrigger;
import dev.baton.api.SignalTriggerStatus;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.signaltriggers.SignalRetention;
import dev.baton.signaltriggers.SignalTriggerRunner;
import dev.baton.signaltriggers.TriggeredRunStore;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Signals: on each new Signal, the signal triggers of the Workflows of its namespace that select it
 * start their runs ({@link SignalTriggerRunner}); old Signals are deleted ({@link
 * SignalRetention}). Event driven: a Signal is reconciled when it is created (and at start), and
 * again when a Workflow selecting its name changes its triggers or their watermarks, so a trigger
 * that becomes active sees the signals sent since its watermark.
 *
 * <p>Indexes make each step a lookup: Workflows by the signal names their triggers select, Signals
 * by name and uid, and the instances triggers started (a slim copy) by the uids of their signals.
 */
@ControllerConfiguration(name = "signal")
public class SignalReconciler implements Reconciler<Signal> {
  static final String BY_SELECTED_NAME = "baton-selected-signal";
  static final String BY_NAME = "baton-signal-name";
  static final String BY_SIGNAL_UID = "baton-signal-uid";

  private final SignalTriggerRunner runner;
  private final SignalRetention retention;
  private IndexerResourceCache<Signal> signals;
  private InformerEventSource<Workflow, Signal> workflows;
  private InformerEventSource<WorkflowInstance, Signal> runs;

  SignalReconciler(SignalTriggerRunner runner, SignalRetention retention) {
    this.runner = runner;
    this.retention = retention;
  }

  @Override
  public List<EventSource<?, Signal>> prepareEventSources(EventSourceContext<Signal> context) {
    signals = context.getPrimaryCache();
    signals.addIndexers(
        Map.of(
            BY_NAME,
            s ->
                s.getSpec() == null || s.getSpec().name == null
                    ? List.of()
                    : List.of(key(s.getMetadata().getNamespace(), s.getSpec().name))));
    workflows =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Workflow.class, Signal.class)
                .withName("workflows")
                .withOnUpdateFilter(SignalReconciler::triggersChanged)
                .withOnDeleteFilter((w, unknown) -> false)
                .withSecondaryToPrimaryMapper(this::signalsSelectedBy)
                .build(),
            context);
    workflows.addIndexers(Map.of(BY_SELECTED_NAME, SignalReconciler::selectedNames));
    runs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(WorkflowInstance.class, Signal.class)
                .withName("triggered-runs")
                .withLabelSelector(Labels.TRIGGER)
                .withItemStore(TriggeredRunStore.create())
                .withOnAddFilter(i -> false)
                .withOnUpdateFilter((a, b) -> false)
                .withOnDeleteFilter((i, unknown) -> false)
                .withSecondaryToPrimaryMapper(i -> Set.of())
                .build(),
            context);
    runs.addIndexers(Map.of(BY_SIGNAL_UID, SignalReconciler::signalUids));
    return List.of(workflows, runs);
  }

  @Override
  public UpdateControl<Signal> reconcile(Signal signal, Context<Signal> context) {
    if (retention.deleteIfExpired(signal)) return UpdateControl.noUpdate();
    runner.onSignal(signal, view);
    String ns = signal.getMetadata().getNamespace();
    retention.enforceCount(ns, () -> signals.list(ns).toList());
    UpdateControl<Signal> done = UpdateControl.noUpdate();
    // Reconciled again when the TTL runs out, to be deleted then.
    return retention.timeLeft(signal).map(done::rescheduleAfter).orElse(done);
  }

  private final SignalTriggerRunner.View view =
      new SignalTriggerRunner.View() {
        @Override
        public List<Workflow> workflowsSelecting(String namespace, String signalName) {
          return workflows.byIndex(BY_SELECTED_NAME, key(namespace, signalName));
        }

        @Override
        public List<Signal> signals(String namespace, String signalName) {
          return signals.byIndex(BY_NAME, key(namespace, signalName));
        }

        @Override
        public List<WorkflowInstance> startedBy(String namespace, String signalUid) {
          return runs.byIndex(BY_SIGNAL_UID, key(namespace, signalUid));
        }
      };

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** The signal names a Workflow's triggers select, as index keys. */
  static List<String> selectedNames(Workflow w) {
    if (w.getSpec() == null || w.getSpec().triggers == null) return List.of();
    if (w.getSpec().triggers.signals == null) return List.of();
    Set<String> names = new HashSet<>();
    for (SignalTrigger t : w.getSpec().triggers.signals) {
      if (t == null || t.signals == null) continue;
      for (SignalSelector s : t.signals) {
        if (s != null && s.name != null) names.add(key(w.getMetadata().getNamespace(), s.name));
      }
    }
    return List.copyOf(names);
  }

  private static List<String> signalUids(WorkflowInstance i) {
    var labels = i.getMetadata().getLabels();
    if (labels == null) return List.of();
    List<String> out = new ArrayList<>();
    for (String k : labels.keySet()) {
      if (k.startsWith(Labels.SIGNAL_PREFIX)) {
        out.add(key(i.getMetadata().getNamespace(), k.substring(Labels.SIGNAL_PREFIX.length())));
      }
    }
    return out;
  }

  /** A new spec, or a trigger's watermark newly set: the signals it selects look again. */
  private static boolean triggersChanged(Workflow newer, Workflow older) {
    return !Objects.equals(newer.getMetadata().getGeneration(), older.getMetadata().getGeneration())
        || !Objects.equals(watermarks(newer), watermarks(older));
  }

  private static Map<String, String> watermarks(Workflow w) {
    if (w.getStatus() == null || w.getStatus().signalTriggers == null) return Map.of();
    return w.getStatus().signalTriggers.stream()
        .filter(s -> s.name != null && s.since != null)
        .collect(Collectors.toMap(s -> s.name, s -> s.since, (a, b) -> a));
  }

  private Set<ResourceID> signalsSelectedBy(Workflow w) {
    var st = w.getStatus();
    if (st == null
        || st.signalTriggers == null
        || st.signalTriggers.stream().allMatch(SignalReconciler::inactive)) {
      return Set.of();
    }
    Set<ResourceID> out = new HashSet<>();
    for (String k : selectedNames(w)) {
      for (Signal s : signals.byIndex(BY_NAME, k)) out.add(ResourceID.fromResource(s));
    }
    return out;
  }

  private static boolean inactive(SignalTriggerStatus s) {
    return s == null || s.since == null;
  }
}
