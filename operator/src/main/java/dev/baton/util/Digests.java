package dev.baton.util;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, for names and hashes that must be a pure function of their input. */
public final class Digests {
  private Digests() {}

  public static byte[] sha256(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** The first {@code bytes} bytes of the SHA-256 of {@code text} (UTF-8), in lower-case hex. */
  public static String sha256Hex(String text, int bytes) {
    return HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)), 0, bytes);
  }

  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  /**
   * The first {@code chars} characters of the SHA-256 of {@code text} (UTF-8) in lower-case base32
   * (RFC 4648 alphabet, no padding): 5 bits a character, valid in DNS labels.
   */
  public static String sha256Base32(String text, int chars) {
    byte[] d = sha256(text.getBytes(StandardCharsets.UTF_8));
    if (chars < 0 || chars * 5 > d.length * 8)
      throw new IllegalArgumentException("chars: " + chars);
    StringBuilder out = new StringBuilder(chars);
    int buffer = 0;
    int bits = 0;
    for (int k = 0; out.length() < chars; ) {
      if (bits < 5) {
        buffer = (buffer << 8) | (d[k++] & 0xff);
        bits += 8;
      }
      out.append(BASE32[(buffer >>> (bits - 5)) & 31]);
      bits -= 5;
    }
    return out.toString();
  }
}
