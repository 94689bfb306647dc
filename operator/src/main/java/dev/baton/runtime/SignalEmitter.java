package dev.baton.runtime;

import dev.baton.api.Signal;
import dev.baton.api.SignalSource;
import dev.baton.api.SignalSpec;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.flow.Command;
import dev.baton.flow.FlowActor;
import dev.baton.flow.FlowEvent;
import dev.baton.util.Digests;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a step attempt's output signals, exactly once each. A Signal's name is a pure function of
 * (instance uid, run, step path, attempt, index in the step's signals), so creating it again, after
 * an unclear outcome or an operator restart, meets AlreadyExists; the Signal found under the name
 * counts as created only if its source is this attempt's. Unclear outcomes (no answer, a timeout,
 * throttling, a server error) are retried with backoff for as long as the run goes on; a refusal
 * (forbidden, invalid, a namesake that is not this attempt's) fails the step.
 */
final class SignalEmitter {
  private static final Logger LOG = LoggerFactory.getLogger(SignalEmitter.class);
  private static final String SIGNALS = "signals." + Workflow.GROUP;

  private final KubernetesClient client;
  private final CreateRetry retry;

  SignalEmitter(KubernetesClient client, CreateRetry retry) {
    this.client = client;
    this.retry = retry;
  }

  /**
   * The name of output signal {@code index} of a step attempt: {@code <instance>-<signal>-<hash>},
   * the first two cut to 30 characters, the hash over (instance uid, run, step path, attempt,
   * index).
   */
  static String name(
      String instance, String uid, int run, String path, int attempt, int index, String signal) {
    String hash = Digests.sha256Hex(uid + "/" + run + "/" + path + "/" + attempt + "/" + index, 5);
    return part(instance.replace('.', '-')) + "-" + part(signal) + "-" + hash;
  }

  private static String part(String s) {
    String cut = s.toLowerCase(Locale.ROOT);
    cut = cut.length() > 30 ? cut.substring(0, 30) : cut;
    while (cut.endsWith("-")) cut = cut.substring(0, cut.length() - 1);
    return cut.isEmpty() ? "x" : cut;
  }

  /**
   * Creates the attempt's signals in order and tells the actor the outcome; runs on an I/O thread.
   *
   * @param alive whether the run still goes on: retries stop when it does not
   */
  void emit(FlowActor actor, WorkflowInstance owner, Command.EmitSignals c, BooleanSupplier alive) {
    String ns = owner.getMetadata().getNamespace();
    var signals = client.resources(Signal.class).inNamespace(ns);
    List<String> names = new ArrayList<>(c.signals().size());
    for (Command.SignalToEmit s : c.signals()) {
      Signal signal = build(owner, c, s);
      String name = signal.getMetadata().getName();
      for (int tryNo = 1; ; tryNo++) {
        String unclear;
        try {
          signals.resource(signal).create();
          break;
        } catch (KubernetesClientException e) {
          if (e.getCode() == 409) {
            Signal existing;
            try {
              existing = signals.withName(name).get();
            } catch (KubernetesClientException g) {
              existing = null;
            }
            if (existing != null && ours(existing, signal)) break;
            if (existing != null) {
              fail(
                  actor, c, s, name, "a Signal of that name exists and is not this step attempt's");
              return;
            }
            unclear = "AlreadyExists, then not found";
          } else {
            CreateFailure failure = CreateFailure.of(e, SIGNALS, ns);
            if (!failure.retryable()) {
              fail(actor, c, s, name, failure.message());
              return;
            }
            unclear =
                (e.getCode() <= 0 ? "no answer" : "HTTP " + e.getCode()) + ": " + failure.message();
          }
        } catch (RuntimeException e) {
          unclear = e.toString();
        }
        if (!alive.getAsBoolean()) return;
        Duration delay = retry.delay(Math.min(tryNo, 16));
        LOG.info(
            "{}: creating output signal {} had an unclear outcome ({}); trying again under the same name in {} ms",
            actor.key(),
            name,
            unclear,
            delay.toMillis());
        try {
          Thread.sleep(delay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      names.add(name);
    }
    LOG.info("{}: step {} attempt {} emitted {}", actor.key(), c.path(), c.attempt(), names);
    actor.tell(new FlowEvent.SignalsEmitted(c.path(), c.attempt(), names, actor.clock().instant()));
  }

  private static void fail(
      FlowActor actor, Command.EmitSignals c, Command.SignalToEmit s, String name, String why) {
    LOG.warn("{}: could not create output signal {} ({}): {}", actor.key(), s.name(), name, why);
    actor.tell(
        new FlowEvent.SignalEmitFailed(
            c.path(),
            c.attempt(),
            "could not create output signal " + s.name() + " (Signal " + name + "): " + why,
            actor.clock().instant()));
  }

  /** The Signal of output signal {@code s} of the attempt, with its lineage. */
  static Signal build(WorkflowInstance owner, Command.EmitSignals c, Command.SignalToEmit s) {
    ObjectMeta om = owner.getMetadata();
    String path = c.path().toString();
    Signal signal = new Signal();
    ObjectMeta m = new ObjectMeta();
    m.setName(name(om.getName(), om.getUid(), c.run(), path, c.attempt(), s.index(), s.name()));
    m.setNamespace(om.getNamespace());
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);
    labels.put(Labels.INSTANCE, om.getName());
    labels.put(Labels.RUN, Integer.toString(c.run()));
    labels.put(Labels.STEP, Labels.stepLabel(path));
    labels.put(Labels.ATTEMPT, Integer.toString(c.attempt()));
    m.setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(Labels.STEP_PATH, path);
    annotations.put(Labels.INSTANCE_UID, om.getUid());
    String workflow = owner.getSpec() == null ? null : owner.getSpec().workflow;
    if (workflow != null) annotations.put(Labels.WORKFLOW_ANNOTATION, workflow);
    m.setAnnotations(annotations);
    signal.setMetadata(m);
    SignalSpec spec = new SignalSpec();
    spec.name = s.name();
    spec.params = s.params().isEmpty() ? null : new LinkedHashMap<>(s.params());
    SignalSource source = new SignalSource();
    source.workflow = workflow;
    source.instance = om.getName();
    source.run = c.run();
    source.stepPath = path;
    source.attempt = c.attempt();
    spec.source = source;
    signal.setSpec(spec);
    return signal;
  }

  /**
   * Whether {@code existing} is the Signal {@code wanted} describes: same instance uid and source.
   */
  private static boolean ours(Signal existing, Signal wanted) {
    Map<String, String> a = existing.getMetadata().getAnnotations();
    SignalSource have = existing.getSpec() == null ? null : existing.getSpec().source;
    SignalSource want = wanted.getSpec().source;
    return a != null
        && Objects.equals(
            a.get(Labels.INSTANCE_UID),
            wanted.getMetadata().getAnnotations().get(Labels.INSTANCE_UID))
        && have != null
        && Objects.equals(existing.getSpec().name, wanted.getSpec().name)
        && Objects.equals(have.instance, want.instance)
        && Objects.equals(have.run, want.run)
        && Objects.equals(have.stepPath, want.stepPath)
        && Objects.equals(have.attempt, want.attempt);
  }
}
