package dev.baton.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.api.InstancePhase;
import dev.baton.api.StepStatus;
import dev.baton.api.Workflow;
import dev.baton.api.WorkflowInstance;
import dev.baton.api.WorkflowInstanceSpec;
import dev.baton.api.WorkflowInstanceStatus;
import dev.baton.flow.Command;
import dev.baton.flow.FlowEvent;
import dev.baton.flow.StepPath;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The child WorkflowInstances of subworkflow steps: how one is built for an attempt, and how what
 * the informer holds about them becomes engine events. A child stands to its step as a Job does to
 * a job step: one per attempt, named by {@link dev.baton.flow.JobNames}, reported level based on
 * every reconcile of the parent.
 */
public final class Children {
  private Children() {}

  /** The child instance of one subworkflow attempt, owned by {@code parent}. */
  public static WorkflowInstance build(WorkflowInstance parent, Command.CreateChild c) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.PARENT, parent.getMetadata().getName());
    labels.put(Labels.STEP, Labels.stepLabel(c.stepId()));
    labels.put(Labels.ATTEMPT, Integer.toString(c.attempt()));
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(Labels.STEP_PATH, c.stepId());
    annotations.put(Labels.DEPTH, Integer.toString(depth(parent) + 1));
    List<String> chain = new ArrayList<>(callChain(parent));
    chain.add(c.workflow());
    annotations.put(Labels.CALL_CHAIN, String.join("/", chain));

    WorkflowInstance child = new WorkflowInstance();
    child.setMetadata(
        new ObjectMetaBuilder()
            .withName(c.childName())
            .withNamespace(parent.getMetadata().getNamespace())
            .withLabels(labels)
            .withAnnotations(annotations)
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(parent.getApiVersion())
                    .withKind(parent.getKind())
                    .withName(parent.getMetadata().getName())
                    .withUid(parent.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .build());
    WorkflowInstanceSpec spec = new WorkflowInstanceSpec();
    spec.workflow = c.workflow();
    if (c.params() != null) {
      // Strings on the wire: the child knows its params' types, the parent does not.
      spec.params = new LinkedHashMap<>();
      c.params().forEach((k, v) -> spec.params.put(k, JsonNodeFactory.instance.textNode(v)));
    }
    child.setSpec(spec);
    return child;
  }

  /** The run's depth from its annotation; 0 for a run a user created. */
  public static int depth(WorkflowInstance instance) {
    String d = annotation(instance, Labels.DEPTH);
    if (d == null) return 0;
    try {
      return Math.max(0, Integer.parseInt(d.strip()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The workflows from the top run down to this one; just its own for a run a user created. */
  public static List<String> callChain(WorkflowInstance instance) {
    String chain = annotation(instance, Labels.CALL_CHAIN);
    if (chain == null || chain.isBlank()) {
      String own = instance.getSpec() == null ? null : instance.getSpec().workflow;
      return own == null ? List.of() : List.of(own);
    }
    return Arrays.asList(chain.split("/"));
  }

  /**
   * Whether this instance carries a subworkflow child's parent label. The label is for selecting
   * and indexing; anyone who may create an instance can set it, so it proves nothing: what makes an
   * instance a child is its controller owner reference ({@link #parentRef}, {@link #ownedBy}).
   */
  public static boolean isChild(WorkflowInstance instance) {
    return parentName(instance) != null;
  }

  public static String parentName(HasMetadata r) {
    Map<String, String> labels = r.getMetadata().getLabels();
    return labels == null ? null : labels.get(Labels.PARENT);
  }

  /**
   * The controller owner reference of {@code instance} when it is a WorkflowInstance, as {@link
   * #build} sets it on a child; empty for a run a user created (unless the user set one).
   */
  public static Optional<OwnerReference> parentRef(WorkflowInstance instance) {
    return Ownership.controller(instance, Workflow.GROUP, "WorkflowInstance");
  }

  /**
   * Those of {@code candidates} whose controller is {@code parent}: its children. The parent label
   * alone does not make one (anyone may set it); nor does an owner reference to a deleted instance
   * of the same name: a child left over from it (its garbage collection can lag) must not count for
   * the new one.
   */
  public static List<WorkflowInstance> ownedBy(
      WorkflowInstance parent, Collection<WorkflowInstance> candidates) {
    String uid = parent.getMetadata().getUid();
    List<WorkflowInstance> owned = new ArrayList<>(candidates.size());
    for (WorkflowInstance c : candidates) {
      if (uid != null && parentRef(c).map(r -> uid.equals(r.getUid())).orElse(false)) owned.add(c);
    }
    return owned;
  }

  /**
   * The engine events for what the Jobs and children of an instance look like now: the Jobs'
   * events, one {@link FlowEvent.ChildObserved} per child, and the Jobs' {@link
   * FlowEvent.WorkloadsObserved} widened to count each child as its attempt's Job.
   */
  public static List<FlowEvent> withChildren(
      List<FlowEvent> jobEvents, Collection<WorkflowInstance> children, Instant now) {
    if (children.isEmpty()) return jobEvents;
    List<FlowEvent> events = new ArrayList<>(jobEvents.size() + children.size());
    for (FlowEvent e : jobEvents) {
      if (e instanceof FlowEvent.WorkloadsObserved observed) continue;
      events.add(e);
    }
    for (WorkflowInstance child : children) {
      observe(child, now).ifPresent(events::add);
    }
    Map<String, Integer> present = new HashMap<>();
    List<FlowEvent.ActiveJob> active = new ArrayList<>();
    for (FlowEvent e : jobEvents) {
      if (e instanceof FlowEvent.WorkloadsObserved observed) {
        present.putAll(observed.present());
        active.addAll(observed.active());
      }
    }
    events.add(new FlowEvent.WorkloadsObserved(newestAttempts(present, children), active, now));
    return events;
  }

  /** {@code jobs} (newest attempt by step) merged with the children's attempts. */
  public static Map<String, Integer> newestAttempts(
      Map<String, Integer> jobs, Collection<WorkflowInstance> children) {
    Map<String, Integer> newest = new HashMap<>(jobs);
    for (WorkflowInstance child : children) {
      ref(child).ifPresent(r -> newest.merge(r.path(), r.attempt(), Math::max));
    }
    return newest;
  }

  /** What one child looks like now, or empty when it lacks the labels that tie it to a step. */
  static Optional<FlowEvent.ChildObserved> observe(WorkflowInstance child, Instant now) {
    Optional<Ref> ref = ref(child);
    if (ref.isEmpty()) return Optional.empty();
    WorkflowInstanceStatus st = child.getStatus();
    InstancePhase phase = st == null || st.phase == null ? InstancePhase.Pending : st.phase;
    Map<String, JsonNode> outputs = phase == InstancePhase.Succeeded ? outputs(st) : Map.of();
    return Optional.of(
        new FlowEvent.ChildObserved(
            StepPath.parse(ref.get().path()),
            ref.get().attempt(),
            phase,
            st == null ? null : st.message,
            outputs,
            st == null ? null : st.rollup,
            now));
  }

  /** The child's step outputs by child step id; steps that wrote none are left out. */
  private static Map<String, JsonNode> outputs(WorkflowInstanceStatus st) {
    Map<String, JsonNode> outputs = new LinkedHashMap<>();
    if (st.steps == null) return outputs;
    for (Map.Entry<String, StepStatus> e : st.steps.entrySet()) {
      Map<String, JsonNode> own = e.getValue() == null ? null : e.getValue().outputs;
      if (own == null) continue;
      ObjectNode node = JsonNodeFactory.instance.objectNode();
      own.forEach(node::set);
      outputs.put(e.getKey(), node);
    }
    return outputs;
  }

  /**
   * The step attempt a child belongs to: the path from its annotation, the attempt from its label.
   */
  record Ref(String path, int attempt) {}

  static Optional<Ref> ref(WorkflowInstance child) {
    Map<String, String> labels = child.getMetadata().getLabels();
    String path = annotation(child, Labels.STEP_PATH);
    if (labels == null || path == null || path.isEmpty()) return Optional.empty();
    try {
      return Optional.of(new Ref(path, Integer.parseInt(labels.getOrDefault(Labels.ATTEMPT, ""))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String annotation(HasMetadata r, String key) {
    Map<String, String> annotations =
        r.getMetadata() == null ? null : r.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
