package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A Run of a {@link RunSchedule} that has not finished. The schedule records it before creating it, so a Run
 * whose create was cut off is created by the next reconcile; {@code uid} is filled in once the Run was seen.
 *
 * @param name the Run's name
 * @param uid the Run's UID, or null while the operator has not seen the Run yet
 * @param scheduledTime the slot the Run is for, RFC 3339 (or the time a "run now" token was acted on)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduledRun(
    @JsonPropertyDescription("The Run's name.") String name,
    @JsonPropertyDescription("The Run's UID, once the operator has seen the Run.") String uid,
    @JsonPropertyDescription("The slot the Run is for (RFC 3339).") String scheduledTime) {

  public ScheduledRun withUid(String newUid) {
    return new ScheduledRun(name, newUid, scheduledTime);
  }
}
