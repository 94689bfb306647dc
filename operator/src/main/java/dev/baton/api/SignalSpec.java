package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

@ValidationRule(value = "self == oldSelf", message = "a Signal's spec is immutable")
public class SignalSpec {
  @JsonPropertyDescription(
      "The signal's type, e.g. table-ready: what triggers and signal steps match on. A DNS label.")
  @Required
  @Size(max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  public String name;

  @JsonPropertyDescription(
      "The signal's params, by name, e.g. {table: events, date: 2026-01-01}: at most 100, each a"
          + " string of at most 4096 characters, a number or a boolean (the chart's admission"
          + " policy checks values; a CRD cannot).")
  @PreserveUnknownFields
  @Size(max = 100)
  public Map<String, JsonNode> params;

  @JsonPropertyDescription(
      "Where the signal came from, when Baton emitted it as a step's output signal. Absent for"
          + " signals created from outside (kubectl, an API client).")
  public SignalSource source;
}
