package dev.baton.dag;

import static dev.baton.dag.Problems.quote;

import java.util.Set;

/** "Did you mean" for a name that is not known: the closest known one, if it is close enough. */
final class Suggestions {
  /** Two edits catch a typo or a swapped pair of letters without suggesting unrelated names. */
  private static final int MAX_EDITS = 2;

  private Suggestions() {}

  /** " (did you mean "x"?)", or "" when no known name is within {@link #MAX_EDITS} edits. */
  static String didYouMean(String name, Set<String> known) {
    return didYouMean(name, known, MAX_EDITS);
  }

  /**
   * As {@link #didYouMean(String, Set)} for the name of a field, of which there are few to choose
   * from: a long name may be three edits away ("retires" for "retry").
   */
  static String didYouMeanField(String name, Set<String> known) {
    return didYouMean(name, known, name.length() >= 6 ? MAX_EDITS + 1 : MAX_EDITS);
  }

  private static String didYouMean(String name, Set<String> known, int maxEdits) {
    String best = null;
    int bestDistance = maxEdits + 1;
    for (String k : known) {
      int d = editDistance(name, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best == null ? "" : " (did you mean " + quote(best) + "?)";
  }

  /** Levenshtein distance, keeping two rows. */
  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
