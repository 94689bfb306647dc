package dev.baton.runtime;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What the Job and Pod informers keep of each object: only the fields Baton reads ({@link
 * Observations}, {@link dev.baton.runs.RestartAction#rerun}, the reaper, the ignored-object
 * warnings). Finished Jobs and their pods stay in the caches for the Job TTL (a day by default),
 * and a whole Job or Pod, with its managed fields, pod spec and full status, is several times
 * larger than what is read: over a large foreach that is most of the operator's heap.
 *
 * <p>Kept: kind and apiVersion; name, namespace, uid, resourceVersion, generation, creation and
 * deletion timestamps, the deletion's grace period, labels, annotations and owner references; a
 * Job's pod template labels and annotations and its status counts and conditions; a Pod's phase,
 * reason, message, start time, PodScheduled and DisruptionTarget conditions, and its containers'
 * names and waiting and terminated states (the terminated message carries the step's outputs; its
 * end time tells an exit the pod's deletion caused). Dropped: everything else (managed fields,
 * finalizers, specs, last states, images, ...).
 *
 * <p>The informers' update filters compare the new, whole object with the old, pruned one: they
 * read only fields kept here.
 */
public final class CachedObjects {
  private CachedObjects() {}

  /** An informer item store that keeps Jobs pruned by {@link #job}. */
  public static ItemStore<Job> jobStore() {
    return store(CachedObjects::job);
  }

  /** An informer item store that keeps Pods pruned by {@link #pod}. */
  public static ItemStore<Pod> podStore() {
    return store(CachedObjects::pod);
  }

  private static <R extends HasMetadata> ItemStore<R> store(UnaryOperator<R> prune) {
    return new TransformingItemStore<>(prune);
  }

  /** A new Job with only what Baton reads of {@code full}; {@code full} is left as it is. */
  public static Job job(Job full) {
    Job j = new Job();
    j.setApiVersion(full.getApiVersion());
    j.setKind(full.getKind());
    j.setMetadata(meta(full.getMetadata()));
    JobSpec spec = full.getSpec();
    if (spec != null && spec.getTemplate() != null && spec.getTemplate().getMetadata() != null) {
      ObjectMeta t = spec.getTemplate().getMetadata();
      ObjectMeta kept = new ObjectMeta();
      kept.setLabels(t.getLabels());
      kept.setAnnotations(t.getAnnotations());
      JobSpec s = new JobSpec();
      PodTemplateSpec template = new PodTemplateSpec();
      template.setMetadata(kept);
      s.setTemplate(template);
      j.setSpec(s);
    }
    JobStatus st = full.getStatus();
    if (st != null) {
      JobStatus s = new JobStatus();
      s.setActive(st.getActive());
      s.setSucceeded(st.getSucceeded());
      s.setFailed(st.getFailed());
      if (st.getConditions() != null) {
        List<JobCondition> conditions = new ArrayList<>(st.getConditions().size());
        for (JobCondition c : st.getConditions()) {
          JobCondition k = new JobCondition();
          k.setType(c.getType());
          k.setStatus(c.getStatus());
          k.setReason(c.getReason());
          k.setMessage(c.getMessage());
          k.setLastTransitionTime(c.getLastTransitionTime());
          conditions.add(k);
        }
        s.setConditions(conditions);
      }
      j.setStatus(s);
    }
    return j;
  }

  /** A new Pod with only what Baton reads of {@code full}; {@code full} is left as it is. */
  public static Pod pod(Pod full) {
    Pod p = new Pod();
    p.setApiVersion(full.getApiVersion());
    p.setKind(full.getKind());
    p.setMetadata(meta(full.getMetadata()));
    PodStatus st = full.getStatus();
    if (st != null) {
      PodStatus s = new PodStatus();
      s.setPhase(st.getPhase());
      s.setReason(st.getReason());
      s.setMessage(st.getMessage());
      s.setStartTime(st.getStartTime());
      if (st.getConditions() != null) {
        List<PodCondition> conditions = new ArrayList<>(1);
        for (PodCondition c : st.getConditions()) {
          if (!"PodScheduled".equals(c.getType()) && !"DisruptionTarget".equals(c.getType()))
            continue;
          PodCondition k = new PodCondition();
          k.setType(c.getType());
          k.setStatus(c.getStatus());
          k.setReason(c.getReason());
          k.setMessage(c.getMessage());
          k.setLastTransitionTime(c.getLastTransitionTime());
          conditions.add(k);
        }
        s.setConditions(conditions);
      }
      s.setInitContainerStatuses(containers(st.getInitContainerStatuses()));
      s.setContainerStatuses(containers(st.getContainerStatuses()));
      p.setStatus(s);
    }
    return p;
  }

  private static ObjectMeta meta(ObjectMeta m) {
    if (m == null) return null;
    ObjectMeta k = new ObjectMeta();
    k.setName(m.getName());
    k.setNamespace(m.getNamespace());
    k.setUid(m.getUid());
    k.setResourceVersion(m.getResourceVersion());
    k.setGeneration(m.getGeneration());
    k.setCreationTimestamp(m.getCreationTimestamp());
    k.setDeletionTimestamp(m.getDeletionTimestamp());
    k.setDeletionGracePeriodSeconds(m.getDeletionGracePeriodSeconds());
    k.setLabels(m.getLabels());
    k.setAnnotations(m.getAnnotations());
    if (m.getOwnerReferences() != null) {
      List<OwnerReference> refs = new ArrayList<>(m.getOwnerReferences().size());
      for (OwnerReference r : m.getOwnerReferences()) {
        OwnerReference o = new OwnerReference();
        o.setApiVersion(r.getApiVersion());
        o.setKind(r.getKind());
        o.setName(r.getName());
        o.setUid(r.getUid());
        o.setController(r.getController());
        refs.add(o);
      }
      k.setOwnerReferences(refs);
    }
    return k;
  }

  private static List<ContainerStatus> containers(List<ContainerStatus> statuses) {
    if (statuses == null) return null;
    List<ContainerStatus> kept = new ArrayList<>(statuses.size());
    for (ContainerStatus cs : statuses) {
      ContainerStatus k = new ContainerStatus();
      k.setName(cs.getName());
      ContainerState state = cs.getState();
      if (state != null) {
        ContainerState s = new ContainerState();
        ContainerStateWaiting w = state.getWaiting();
        if (w != null) {
          ContainerStateWaiting kw = new ContainerStateWaiting();
          kw.setReason(w.getReason());
          kw.setMessage(w.getMessage());
          s.setWaiting(kw);
        }
        ContainerStateTerminated t = state.getTerminated();
        if (t != null) {
          ContainerStateTerminated kt = new ContainerStateTerminated();
          kt.setExitCode(t.getExitCode());
          kt.setReason(t.getReason());
          kt.setMessage(t.getMessage());
          kt.setFinishedAt(t.getFinishedAt());
          s.setTerminated(kt);
        }
        k.setState(s);
      }
      kept.add(k);
    }
    return kept;
  }
}
