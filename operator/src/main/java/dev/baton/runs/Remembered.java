package dev.baton.runs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A thread-safe memory of recent facts that forgets the oldest past a bound, so it cannot grow
 * without end.
 */
final class Remembered {
  private Remembered() {}

  /**
   * A synchronized map that drops its oldest entry (by insertion) once it holds more than {@code
   * max}.
   */
  static <K, V> Map<K, V> upTo(int max) {
    return Collections.synchronizedMap(
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            return size() > max;
          }
        });
  }
}
