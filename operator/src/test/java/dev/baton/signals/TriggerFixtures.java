package dev.baton.signals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Json;
import dev.baton.api.ParamSpec;
import dev.baton.api.SignalTrigger;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Triggers, params and signals written briefly, for the tests of this package. */
final class TriggerFixtures {
  private TriggerFixtures() {}

  static SignalTrigger trigger(String yaml) {
    try {
      return Serialization.yamlMapper().readValue(yaml, SignalTrigger.class);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static List<ParamSpec> params(String yaml) {
    try {
      return List.of(Serialization.yamlMapper().readValue(yaml, ParamSpec[].class));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static CompiledSignalTrigger compile(String trigger, String params) {
    List<String> problems = new ArrayList<>();
    CompiledSignalTrigger c =
        CompiledSignalTrigger.compile(trigger(trigger), params(params), problems);
    if (c == null) throw new AssertionError("does not compile: " + problems);
    return c;
  }

  static List<String> problems(String trigger, String params) {
    List<String> problems = new ArrayList<>();
    CompiledSignalTrigger.compile(trigger(trigger), params(params), problems);
    return problems;
  }

  /** A signal created {@code second} seconds after the epoch, its uid "u-" + object. */
  static SignalView signal(String name, String object, long second, String paramsJson) {
    try {
      Map<String, JsonNode> params =
          Json.MAPPER.readValue(
              paramsJson,
              Json.MAPPER
                  .getTypeFactory()
                  .constructMapType(Map.class, String.class, JsonNode.class));
      return new SignalView(name, object, "u-" + object, Instant.ofEpochSecond(second), params);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
