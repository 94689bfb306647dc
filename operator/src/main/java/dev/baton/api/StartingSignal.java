package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A signal that started a run: which one, and a summary of its params. */
public class StartingSignal {
  @JsonPropertyDescription("The signal's type (its spec.name).")
  public String name;

  @JsonPropertyDescription("The Signal object's name.")
  public String signal;

  @JsonPropertyDescription("The Signal object's uid.")
  public String uid;

  @JsonPropertyDescription("Its params as JSON, cut at 1024 characters.")
  public String params;

  public StartingSignal() {}

  public StartingSignal(String name, String signal, String uid, String params) {
    this.name = name;
    this.signal = signal;
    this.uid = uid;
    this.params = params;
  }
}
