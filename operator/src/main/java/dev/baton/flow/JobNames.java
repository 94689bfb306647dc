package dev.baton.flow;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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

  private static String clean(String s, int max) {
    String c = s.toLowerCase().replaceAll("[^a-z0-9-]", "-");
    if (c.length() > max) c = c.substring(0, max);
    c = c.replaceAll("^-+|-+$", "");
    return c.isEmpty() ? "x" : c;
  }

  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
