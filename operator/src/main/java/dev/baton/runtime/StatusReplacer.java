package dev.baton.runtime;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one way Baton writes a status: the whole status replaced, on the resourceVersion it was
 * computed from, so that a write based on a stale copy fails with a 409 instead of undoing a newer
 * one. Not a JSON patch: without server-side apply a patch is diffed against the cached copy, and
 * when that copy is stale a diff of map keys comes out as operations the server rejects.
 *
 * <p>{@link StatusWriter} writes the statuses of runs through it; the Workflow controller and the
 * restart of a finished run write theirs through it too.
 */
public final class StatusReplacer {
  private final KubernetesClient client;

  public StatusReplacer(KubernetesClient client) {
    this.client = client;
  }

  /**
   * One attempt: replaces the status of {@code base} on its resourceVersion and returns the object
   * as written, or null when it no longer exists. A conflict is thrown, a KubernetesClientException
   * with code 409, for the caller to decide again on a fresh read.
   */
  public <S, R extends CustomResource<?, S>> R replace(R base, S status) {
    R copy = emptyLike(base);
    // managedFields are the server's to keep; sent back, they only grow the request.
    copy.setMetadata(new ObjectMetaBuilder(base.getMetadata()).withManagedFields().build());
    copySpec(base, copy);
    copy.setStatus(status);
    try {
      return client
          .resources(classOf(base))
          .inNamespace(base.getMetadata().getNamespace())
          .resource(copy)
          .updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) return null;
      throw e;
    }
  }

  /**
   * Replaces the status with {@code next} of the freshest copy: of {@code base} first, and after a
   * conflict of the object read again, up to {@code attempts} writes. Returns the object as
   * written; null when it is gone (or another object took its name) or {@code next} returns null,
   * which means there is nothing to write after all.
   */
  public <S, R extends CustomResource<?, S>> R replace(R base, Function<R, S> next, int attempts) {
    R current = base;
    for (int attempt = 1; ; attempt++) {
      S status = next.apply(current);
      if (status == null) return null;
      try {
        return replace(current, status);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= attempts) throw e;
      }
      current = reread(base);
      if (current == null) return null;
    }
  }

  /**
   * The object as the API server has it now; null when it is gone or another object took its name.
   */
  public <R extends CustomResource<?, ?>> R reread(R base) {
    var meta = base.getMetadata();
    R fresh =
        client
            .resources(classOf(base))
            .inNamespace(meta.getNamespace())
            .withName(meta.getName())
            .get();
    if (fresh == null || !Objects.equals(fresh.getMetadata().getUid(), meta.getUid())) return null;
    return fresh;
  }

  @SuppressWarnings("unchecked")
  private static <R extends CustomResource<?, ?>> Class<R> classOf(R resource) {
    return (Class<R>) resource.getClass();
  }

  private static <R extends CustomResource<?, ?>> R emptyLike(R base) {
    try {
      return classOf(base).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate " + base.getClass(), e);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void copySpec(CustomResource from, CustomResource to) {
    to.setSpec(from.getSpec());
  }
}
