package dev.baton.runtime;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Why the API server did not create a step attempt's object (its Job, or its child instance), and
 * whether the same request may pass later. Jobs and child instances are judged alike.
 *
 * @param message what to tell the user, ending in the API server's own words
 * @param retryable true for no answer, a timeout, throttling or a server error; a rejection
 *     (invalid, forbidden, not found) would be given again, so the attempt fails for good
 */
record CreateFailure(String message, boolean retryable) {
  /**
   * From the API server's answer to creating {@code resource} ("jobs.batch") in {@code namespace}.
   * A 403 names the permission the operator lacks: it is a fix to the installation (RBAC), and no
   * number of tries makes it pass.
   */
  static CreateFailure of(KubernetesClientException e, String resource, String namespace) {
    int code = e.getCode();
    String why =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : e.getMessage();
    if (code == 403) {
      return new CreateFailure(
          "forbidden: the operator may not create "
              + resource
              + " in namespace "
              + namespace
              + " (its ServiceAccount lacks the RBAC permission \"create\" on "
              + resource
              + "): "
              + why,
          false);
    }
    // No answer at all (a timeout, a dropped connection, the API server down) has no HTTP code:
    // Fabric8 gives -1 (0 in some paths).
    return new CreateFailure(why, code <= 0 || code == 408 || code == 429 || code >= 500);
  }

  /**
   * A failure before or outside the API server: a Job or child that cannot be built is not retried.
   */
  static CreateFailure of(RuntimeException e) {
    return new CreateFailure(e.toString(), !(e instanceof IllegalArgumentException));
  }
}
