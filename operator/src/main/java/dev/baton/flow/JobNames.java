package dev.baton.flow;

import dev.baton.util.Digests;

/**
 * Job names, also the names of subworkflow steps' child instances: a pure function of (instance,
 * step path, attempt), so a repeated launch meets AlreadyExists instead of running the step twice.
 *
 * <p>{@code <instance, 17>-<path, 17>-<attempt>-<hash, 16>}: readable prefixes, cut short, and 80
 * bits of SHA-256 over the instance and the path, in base32, for uniqueness. The prefixes stop
 * telling names apart as soon as ids are long (a loop's index is cut off, children of one parent
 * share their prefix), so the hash alone must: at 80 bits, even 10<sup>7</sup> step occurrences of
 * one instance collide with odds below 10<sup>-10</sup>. The attempt stays outside the hash, so a
 * step's attempts share a suffix. Always a valid DNS label of at most 63 characters, for any
 * attempt number. Names given by older versions (a 32-bit hash) are kept for the runs they started:
 * the engine restores an attempt's name from the status rather than computing it anew.
 */
public final class JobNames {
  /** Characters of base32 hash: 16 × 5 = 80 bits. */
  static final int HASH_CHARS = 16;

  private static final int PREFIX = 17;

  private JobNames() {}

  public static String of(String instance, String stepId, int attempt) {
    String hash = Digests.sha256Base32(instance + "\0" + stepId, HASH_CHARS);
    return clean(instance, PREFIX) + "-" + clean(stepId, PREFIX) + "-" + attempt + "-" + hash;
  }

  /** Lower case letters, digits and '-', at most {@code max} long, no '-' at either end. */
  private static String clean(String s, int max) {
    StringBuilder c = new StringBuilder(Math.min(s.length(), max));
    for (int i = 0; i < s.length() && c.length() < max; i++) {
      char ch = Character.toLowerCase(s.charAt(i));
      c.append((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '-');
    }
    int start = 0;
    int end = c.length();
    while (start < end && c.charAt(start) == '-') start++;
    while (end > start && c.charAt(end - 1) == '-') end--;
    return start == end ? "x" : c.substring(start, end);
  }
}
