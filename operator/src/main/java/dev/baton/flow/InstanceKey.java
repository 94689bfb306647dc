package dev.baton.flow;

/** Names one WorkflowInstance. */
public record InstanceKey(String namespace, String name) {
  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
