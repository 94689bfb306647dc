package dev.baton.flow;

import java.util.Map;
import java.util.TreeMap;

/**
 * A set of longs kept as disjoint ranges: the finished iterations of a loop. Iterations start in
 * order and mostly finish near it, so 100,000 of them fold into a handful of ranges; the set costs
 * what its holes cost, not what its members do.
 */
final class RangeSet {
  /** Range start to range end, both included; ranges neither overlap nor touch. */
  private final TreeMap<Long, Long> ranges = new TreeMap<>();

  private long size;

  boolean contains(long v) {
    Map.Entry<Long, Long> e = ranges.floorEntry(v);
    return e != null && e.getValue() >= v;
  }

  /** Adds {@code v}; false when it was there already. */
  boolean add(long v) {
    if (contains(v)) return false;
    long start = v;
    long end = v;
    Map.Entry<Long, Long> below = ranges.floorEntry(v - 1);
    if (below != null && below.getValue() == v - 1) {
      start = below.getKey();
    }
    Long aboveEnd = ranges.remove(v + 1);
    if (aboveEnd != null) end = aboveEnd;
    ranges.put(start, end);
    size++;
    return true;
  }

  long size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The smallest value {@code >= from} not in the set. */
  long nextAbsent(long from) {
    Map.Entry<Long, Long> e = ranges.floorEntry(from);
    return e != null && e.getValue() >= from ? e.getValue() + 1 : from;
  }

  /** E.g. "0-4999,5001-9999"; a range of one is just its value. Empty for an empty set. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(ranges.size() * 12);
    for (Map.Entry<Long, Long> e : ranges.entrySet()) {
      if (!b.isEmpty()) b.append(',');
      b.append(e.getKey());
      if (!e.getValue().equals(e.getKey())) b.append('-').append(e.getValue());
    }
    return b.toString();
  }

  /** Reads {@link #toString}'s form; null or blank is empty. */
  static RangeSet parse(String text) {
    RangeSet set = new RangeSet();
    if (text == null || text.isBlank()) return set;
    for (String part : text.split(",")) {
      String p = part.strip();
      int dash = p.indexOf('-', 1);
      long start = Long.parseLong(dash < 0 ? p : p.substring(0, dash));
      long end = dash < 0 ? start : Long.parseLong(p.substring(dash + 1));
      if (end < start) throw new IllegalArgumentException("range " + p + " ends before it starts");
      set.addRange(start, end);
    }
    return set;
  }

  private void addRange(long start, long end) {
    // Rare (restores only): add one by one when the range overlaps what is there.
    Map.Entry<Long, Long> below = ranges.floorEntry(end + 1);
    if (below == null || below.getValue() < start - 1) {
      if (ranges.ceilingKey(start) == null || ranges.ceilingKey(start) > end + 1) {
        ranges.put(start, end);
        size += end - start + 1;
        mergeAround(start);
        return;
      }
    }
    for (long v = start; v <= end; v++) add(v);
  }

  private void mergeAround(long start) {
    Map.Entry<Long, Long> below = ranges.lowerEntry(start);
    long end = ranges.get(start);
    if (below != null && below.getValue() == start - 1) {
      ranges.remove(start);
      ranges.put(below.getKey(), end);
      start = below.getKey();
    }
    Long aboveEnd = ranges.get(end + 1);
    if (aboveEnd != null) {
      ranges.remove(end + 1);
      ranges.put(start, aboveEnd);
    }
  }
}
