package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * The container a job step runs. The common fields cover most steps; podTemplate is the escape
 * hatch for everything else (volumes, sidecars, security contexts). The common fields are laid over
 * the template's first container.
 */
public class JobTemplate {
  @JsonPropertyDescription("The container image. Required unless podTemplate names one.")
  @Size(max = 1024)
  public String image;

  @JsonPropertyDescription(
      "The entrypoint. ${...} holds a CEL expression over params and steps, e.g."
          + " ${params.date} or ${steps.extract.outputs.rows}.")
  public List<String> command;

  @JsonPropertyDescription("Arguments, interpolated like command.")
  public List<String> args;

  @JsonPropertyDescription("Environment variables; values are interpolated like command.")
  public List<EnvVar> env;

  @JsonPropertyDescription("CPU and memory requests and limits.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("The ServiceAccount the step's pod runs as.")
  public String serviceAccountName;

  public Map<String, String> nodeSelector;

  public List<Toleration> tolerations;

  @JsonPropertyDescription(
      "A full Kubernetes PodTemplateSpec, for anything the fields above do not cover. Baton still"
          + " sets restartPolicy Never and its own labels.")
  @PreserveUnknownFields
  public JsonNode podTemplate;

  /** The strings that may hold ${...}: command, args and literal env values, in that order. */
  public List<String> interpolatedStrings() {
    List<String> strings = new java.util.ArrayList<>();
    if (command != null) command.stream().filter(java.util.Objects::nonNull).forEach(strings::add);
    if (args != null) args.stream().filter(java.util.Objects::nonNull).forEach(strings::add);
    if (env != null) {
      for (EnvVar e : env) {
        if (e != null && e.getValue() != null) strings.add(e.getValue());
      }
    }
    return strings;
  }
}
