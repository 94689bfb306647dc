package dev.baton.dag;

import dev.baton.api.Json;
import dev.baton.api.WorkflowSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compiled definitions by hash. Every instance of one definition shares one {@link
 * CompiledWorkflow}; CEL compilation happens once per definition, not once per run.
 */
public final class DefinitionCache {
  private final WorkflowCompiler compiler;
  private final Map<String, CompiledWorkflow> byHash;

  public DefinitionCache(WorkflowCompiler compiler, int capacity) {
    this.compiler = compiler;
    this.byHash =
        Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<String, CompiledWorkflow> eldest) {
                return size() > capacity;
              }
            });
  }

  public CompiledWorkflow compile(WorkflowSpec spec) throws InvalidDefinitionException {
    String hash = Json.hash(spec);
    CompiledWorkflow cached = byHash.get(hash);
    if (cached != null) return cached;
    CompiledWorkflow compiled = compiler.compile(spec);
    byHash.put(hash, compiled);
    return compiled;
  }
}
