package dev.baton.api;

import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/**
 * The schema of an inner step: any object. Steps nest, and a schema that expanded them would grow
 * with each level and exceed the API server's CEL cost budget, so the operator validates inner
 * steps itself and reports problems in the Workflow's Valid condition.
 */
@PreserveUnknownFields
final class NestedStep {
  private NestedStep() {}
}
