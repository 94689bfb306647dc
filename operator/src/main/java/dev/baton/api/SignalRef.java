package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A Signal object, by name and uid: the one that released a signal step. */
public class SignalRef {
  @JsonPropertyDescription("The Signal object's name (metadata.name).")
  public String name;

  @JsonPropertyDescription("The Signal object's uid: a Signal deleted and made again differs.")
  public String uid;

  public SignalRef() {}

  public SignalRef(String name, String uid) {
    this.name = name;
    this.uid = uid;
  }
}
