package dev.kfp.operator.kfp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stops an outage of KFP from turning into a storm of calls. After {@code threshold} calls in a row found KFP
 * unavailable (no answer, 429, 502, 503, 504) the breaker opens: calls fail at once, without touching the
 * network, until {@code probeInterval} has passed; then one call goes through as a probe. Any answer from KFP
 * (success or a client error) closes the breaker again. Shared by every KFP client of the operator, since an
 * outage is KFP's, not one namespace's: register the one breaker as a {@link KfpCallListener} of each client.
 */
public final class KfpCircuitBreaker implements KfpCallListener {

  private final int threshold;
  private final Duration probeInterval;
  private final Clock clock;
  private boolean probing;
  private int consecutiveFailures;
  private Instant openUntil;
  private String lastFailure;

  public KfpCircuitBreaker(int threshold, Duration probeInterval, Clock clock) {
    if (threshold < 1 || probeInterval.isNegative() || probeInterval.isZero()) {
      throw new IllegalArgumentException("threshold must be at least 1 and probeInterval positive");
    }
    this.threshold = threshold;
    this.probeInterval = probeInterval;
    this.clock = clock;
  }

  /** Asks to make a call: returns normally when it may go ahead, throws the fast failure otherwise. */
  @Override
  public void beforeCall(String operation) {
    synchronized (this) {
      if (openUntil == null) {
        return;
      }
      if (clock.instant().isBefore(openUntil) || probing) {
        throw new KfpException(operation, 0, null, "not sent: KFP was unavailable for the last "
            + consecutiveFailures + " calls (last: " + lastFailure + "); calls resume once a probe gets through",
            true, false, null, null);
      }
      probing = true;
    }
  }

  /**
   * Records how an admitted call ended: only a failure saying KFP is down ({@link KfpException#isUnavailable()})
   * counts towards opening; any other end closes the breaker.
   */
  @Override
  public void afterCall(String operation, Duration duration, RuntimeException failure) {
    boolean unavailable = failure instanceof KfpException e && e.isUnavailable();
    synchronized (this) {
      probing = false;
      if (!unavailable) {
        consecutiveFailures = 0;
        openUntil = null;
        lastFailure = null;
        return;
      }
      consecutiveFailures++;
      lastFailure = failure.getMessage();
      if (consecutiveFailures >= threshold) {
        openUntil = clock.instant().plus(probeInterval);
      }
    }
  }

  /** True while calls are being held back. */
  public synchronized boolean isOpen() {
    return openUntil != null;
  }
}
