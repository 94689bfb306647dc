package dev.baton.dag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.baton.api.Json;
import dev.baton.api.WorkflowSpec;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Test helper: Workflow specs written as YAML, the way users write them. */
public final class Specs {
  private static final YAMLMapper YAML = new YAMLMapper();

  private Specs() {}

  /** The YAML of a Workflow's spec (not the whole resource) as a tree. */
  public static JsonNode tree(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException("not YAML: " + yaml, e);
    }
  }

  public static WorkflowSpec parse(String yaml) {
    return Json.fromTree(tree(yaml), WorkflowSpec.class);
  }

  /** Compiles a definition that must be valid; a rejected one fails the test with its problems. */
  public static CompiledWorkflow compile(String yaml) {
    return compile(yaml, Limits.DEFAULT);
  }

  public static CompiledWorkflow compile(String yaml, Limits limits) {
    return compile(parse(yaml), limits);
  }

  public static CompiledWorkflow compile(WorkflowSpec spec, Limits limits) {
    try {
      return new WorkflowCompiler(limits).compile(spec);
    } catch (InvalidDefinitionException e) {
      throw new AssertionError("expected a valid definition, got: " + e.problems(), e);
    }
  }
}
