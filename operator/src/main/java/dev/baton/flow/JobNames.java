package dev.baton.flow;

import dev.baton.util.Digests;


/**
 * Job names: a pure function of (instance, step, attempt), so a repeated launch collides with
 * AlreadyExists instead of running the step twice. Readable prefixes, a hash for uniqueness (ids
 * may contain '-', so plain concatenation could collide), always a valid DNS label of at most 63
 * characters.
 */
public final class JobNames {
  private JobNames() {}

  public static String of(String instance, String stepId, int attempt) {
    String hash = hash(instance + "/" + stepId);
    return clean(instance, 20) + "-" + clean(stepId, 20) + "-" + attempt + "-" + hash;
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

  private static String hash(String s) {
    return Digests.sha256Hex(s, 4);
  }

}
