package dev.baton.signals;

import dev.baton.util.Digests;
import java.util.List;

/**
 * The name of the instance a signal trigger starts: a pure function of (workflow, trigger, the
 * signals' uids in selector order), so that starting the same run twice, by a retry or after a
 * restart, meets AlreadyExists instead of a second run.
 */
public final class TriggerRunNames {
  /** Instance names are label values (baton.dev/instance), so at most 63 characters. */
  static final int MAX = 63;

  /** 20 hex characters: 80 bits, as Job names have. */
  static final int HASH_CHARS = 20;

  private TriggerRunNames() {}

  /** {@code <workflow, cut to 42>-<20 hex of sha256(workflow, trigger, uids)>}. */
  public static String instanceName(String workflow, String trigger, List<String> uids) {
    String key = workflow + "\n" + trigger + "\n" + String.join("\n", uids);
    String hash = Digests.sha256Hex(key, HASH_CHARS / 2);
    String prefix =
        workflow.length() > MAX - HASH_CHARS - 1
            ? workflow.substring(0, MAX - HASH_CHARS - 1)
            : workflow;
    // A cut may leave a '-' or '.' at the end, which a name may not have before the '-'.
    prefix = prefix.replaceAll("[-.]+$", "");
    return prefix.isEmpty() ? "t-" + hash : prefix + "-" + hash;
  }
}
