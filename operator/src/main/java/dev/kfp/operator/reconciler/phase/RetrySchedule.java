package dev.kfp.operator.reconciler.phase;

import dev.kfp.operator.kfp.KfpException;
import java.time.Duration;
import java.time.Instant;

/**
 * When a Run is looked at again after something went wrong, counted per Run (by uid). Errors that may pass
 * back off from one second up to half the resync interval (at most {@link #MAX_BACKOFF}), so that every Run
 * has caught up within one resync interval after KFP is back; permanent refusals wait the resync interval,
 * doubling up to eight times it. Kept in memory: a restarted operator starts again at the base.
 */
public final class RetrySchedule {

  /** Added to the end of a claim's life, so the next look starts after it, clocks being imprecise. */
  public static final Duration CLAIM_MARGIN = Duration.ofMillis(100);
  /** The longest wait after a KFP error that may pass. */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final Backoff passing;
  /**
   * The jitter of {@link Backoff} takes off at most a fifth, so the base of five quarters of the resync interval
   * is never shorter than the interval.
   */
  private final Backoff refusals;

  public RetrySchedule(Duration resyncInterval) {
    Duration half = resyncInterval.dividedBy(2);
    Duration cap = half.compareTo(MAX_BACKOFF) < 0 ? half : MAX_BACKOFF;
    this.passing = new Backoff(Duration.ofSeconds(1).compareTo(cap) < 0 ? Duration.ofSeconds(1) : cap, cap);
    this.refusals = new Backoff(resyncInterval.multipliedBy(5).dividedBy(4), resyncInterval.multipliedBy(8));
  }

  /** After an error that may pass: the next backoff step, never sooner than KFP asked (Retry-After). */
  public Duration afterError(String key, KfpException e) {
    Duration delay = passing.next(key);
    return e.retryAfter().filter(after -> after.compareTo(delay) > 0).orElse(delay);
  }

  /** The next backoff step for something that is to pass by itself (a claim to wait out, a blocked cleanup). */
  public Duration soon(String key) {
    return passing.next(key);
  }

  /**
   * While a claim is live (until {@code until}): the next backoff step, but never past the claim's end, so
   * the run is adopted soon after it shows and the Run is looked at again once the claim has ended.
   */
  public Duration whileClaimLive(String key, Instant until, Instant now) {
    Duration left = Duration.between(now, until);
    left = left.isNegative() ? Duration.ZERO : left;
    Duration soon = passing.next(key);
    return (left.compareTo(soon) < 0 ? left : soon).plus(CLAIM_MARGIN);
  }

  /** After KFP refused for good what the spec asks: ask again only this much later. */
  public Duration afterRefusal(String key) {
    return refusals.next(key);
  }

  /** Failures of the errors that may pass recorded for the key (for tests). */
  public int failures(String key) {
    return passing.failures(key);
  }

  /** The look succeeded: the next error starts again at the base. */
  public void reset(String key) {
    passing.reset(key);
    refusals.reset(key);
  }

  /** KFP answered, although it refused: only the backoff of errors that may pass starts again. */
  public void resetPassing(String key) {
    passing.reset(key);
  }
}
