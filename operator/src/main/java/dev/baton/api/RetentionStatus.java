package dev.baton.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What the retention of finished instances has done for a workflow; see {@link Retention}. */
public class RetentionStatus {
  @JsonPropertyDescription("How many instances retention has deleted, in all.")
  public Long deleted;

  @JsonPropertyDescription("When retention last deleted instances.")
  public String lastDeletionTime;

  @JsonPropertyDescription("The instances retention deleted last time (at most 20 names).")
  public List<String> lastDeleted;

  @JsonPropertyDescription(
      "Why retention could not delete an instance, when its last attempt failed (e.g. 403"
          + " Forbidden); it tries again after 10s, doubling up to 5m. Cleared once it runs"
          + " without an error.")
  public String error;

  @JsonPropertyDescription("When the error was seen.")
  public String errorTime;
}
