package dev.baton.util;

/** Text as Baton puts it in messages, conditions and events. */
public final class Text {
  private Text() {}

  /**
   * {@code s} itself when it has at most {@code max} characters, else its first {@code max - 3}
   * followed by "...": a value quoted in a message never makes the message unbounded.
   */
  public static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }
}
