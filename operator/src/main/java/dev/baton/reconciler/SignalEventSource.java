package dev.baton.reconciler;

import dev.baton.api.Signal;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.SignalWaits;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Signal informer of signal steps, in the instance controller's namespaces: every Signal added
 * goes to {@link SignalWaits}, which releases the steps it matches by telling their runs' actors; a
 * wait that begins reads the Signals that exist from this cache, through an index by namespace and
 * spec.name. It never triggers a reconcile: waits are released by events to the actors.
 */
final class SignalEventSource extends InformerEventSource<Signal, WorkflowInstance> {
  private static final String BY_NAME = "baton-signal-name";

  private final SignalWaits waits;

  private SignalEventSource(
      InformerEventSourceConfiguration<Signal> config,
      EventSourceContext<WorkflowInstance> context,
      SignalWaits waits) {
    super(config, context);
    this.waits = waits;
  }

  static SignalEventSource of(EventSourceContext<WorkflowInstance> context, SignalWaits waits) {
    var config =
        InformerEventSourceConfiguration.from(Signal.class, WorkflowInstance.class)
            .withName("signals")
            .withSecondaryToPrimaryMapper(signal -> Set.of())
            .build();
    SignalEventSource source = new SignalEventSource(config, context, waits);
    source.addIndexers(Map.of(BY_NAME, SignalEventSource::nameIndex));
    waits.attach((namespace, name) -> source.byIndex(BY_NAME, namespace + "/" + name));
    return source;
  }

  private static List<String> nameIndex(Signal s) {
    return s.getSpec() == null || s.getSpec().name == null
        ? List.of()
        : List.of(s.getMetadata().getNamespace() + "/" + s.getSpec().name);
  }

  @Override
  public void onAdd(Signal signal) {
    super.onAdd(signal);
    waits.added(signal);
  }
}
