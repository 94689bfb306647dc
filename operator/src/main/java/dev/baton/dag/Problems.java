package dev.baton.dag;

import java.util.ArrayList;
import java.util.List;

/**
 * The problems found in one definition, in the order found. Each starts by saying where it is (a
 * step, a param or a spec field), so a user can find it: checks report through a {@link Reporter}
 * that writes that for them.
 */
final class Problems {
  private final List<String> found = new ArrayList<>();

  /** Problems about a spec field or a param, e.g. {@code about("spec.timeout")}. */
  Reporter about(String where) {
    return new Reporter(this, where + ": ");
  }

  /** Problems about step {@code id}: each reads {@code step "id": ...}. */
  Reporter step(String id) {
    return about("step " + quote(id));
  }

  /** A problem that already says where it is, e.g. {@code trigger "t": ...}. */
  void add(String problem) {
    found.add(problem);
  }

  int count() {
    return found.size();
  }

  boolean isEmpty() {
    return found.isEmpty();
  }

  InvalidDefinitionException rejection() {
    return new InvalidDefinitionException(found);
  }

  /**
   * Where the problems about one thing go: each is written after {@code lead}, which names the
   * thing, e.g. {@code step "load": }.
   */
  record Reporter(Problems problems, String lead) {
    void add(String problem) {
      problems.found.add(lead + problem);
    }

    /** Problems about one field of the thing, e.g. {@code step "load": timeout: }. */
    Reporter field(String name) {
      return new Reporter(problems, lead + name + ": ");
    }
  }

  static String quote(String s) {
    return "\"" + s + "\"";
  }
}
