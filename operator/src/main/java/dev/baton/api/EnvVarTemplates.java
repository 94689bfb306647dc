package dev.baton.api;

import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.ArrayList;
import java.util.List;

/** The literal env values of a job, the ones that may hold ${...}. */
public final class EnvVarTemplates {
  private EnvVarTemplates() {}

  public static List<String> values(List<EnvVar> env) {
    List<String> values = new ArrayList<>();
    if (env != null) {
      for (EnvVar e : env) {
        if (e != null && e.getValue() != null) values.add(e.getValue());
      }
    }
    return values;
  }
}
