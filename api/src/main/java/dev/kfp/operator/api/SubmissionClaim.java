package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.time.Duration;
import java.time.Instant;

/**
 * An operator instance's claim to create this Run's KFP run, written to status with optimistic locking before
 * the create is sent. The rules of docs/developing/exactly-once.md live here: while a claim is live nobody sends a
 * create, its holder included, and a marker search counts only if it started after the claim stopped being
 * live. A claim is live for one create window from when it was written while its create may be in flight (its
 * holder may have stopped without saying how the create ended), for one window from when its create ended
 * without telling whether KFP stored the run, and not at all once KFP refused the create.
 *
 * @param holder the operator instance that wrote the claim
 * @param attempt how many creates have been claimed for this Run, this one included
 * @param claimedAt when the claim was written, RFC 3339
 * @param endedAt when the claimed create ended, RFC 3339; absent while it may be in flight
 * @param outcome how it ended: {@value #UNCERTAIN} or {@value #REFUSED}; absent while it may be in flight
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SubmissionClaim(
    @JsonPropertyDescription("The operator instance that claimed the create.") String holder,
    @JsonPropertyDescription("Creates claimed for this Run so far, this one included.") Integer attempt,
    @JsonPropertyDescription("When the claim was written.") String claimedAt,
    @JsonPropertyDescription("When the claimed create ended; absent while it may be in flight.") String endedAt,
    @JsonPropertyDescription("Uncertain: KFP may have stored the run; Refused: KFP stored nothing.")
    String outcome) {

  /** The create ended without telling whether KFP stored the run (timeout, reset, 5xx). */
  public static final String UNCERTAIN = "Uncertain";
  /** KFP refused the create, so it stored nothing. */
  public static final String REFUSED = "Refused";

  /** A new claim by {@code holder}, following {@code previous} (null for the first). */
  public static SubmissionClaim next(SubmissionClaim previous, String holder, Instant now) {
    int attempt = previous == null || previous.attempt() == null ? 1 : previous.attempt() + 1;
    return new SubmissionClaim(holder, attempt, now.toString(), null, null);
  }

  /** This claim once its create ended with {@code outcome}. */
  public SubmissionClaim ended(String how, Instant now) {
    return new SubmissionClaim(holder, attempt, claimedAt, now.toString(), how);
  }

  /** Until when no create may be sent; a claim whose create was refused is not live at all. */
  public Instant liveUntil(Duration window) {
    if (REFUSED.equals(outcome)) {
      return Instant.EPOCH;
    }
    return Instant.parse(endedAt != null ? endedAt : claimedAt).plus(window);
  }

  public boolean isLive(Instant at, Duration window) {
    return at.isBefore(liveUntil(window));
  }

  /**
   * True while the holder that has just written this claim may still send its create. A holder paused between
   * writing the claim and sending must not send into another instance's turn, so only the first half of the
   * window is used for sending.
   */
  public boolean maySendAt(Instant now, Duration window) {
    return endedAt == null && now.isBefore(Instant.parse(claimedAt).plus(window.dividedBy(2)));
  }
}
