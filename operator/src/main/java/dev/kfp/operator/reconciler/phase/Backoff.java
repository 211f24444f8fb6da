package dev.kfp.operator.reconciler.phase;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter per Run, for KFP errors that may pass: each consecutive failure doubles the
 * delay up to a cap; a success resets it. Kept in memory: a restarted operator starts again at the base.
 */
final class Backoff {

  private final Duration base;
  private final Duration cap;
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();

  Backoff(Duration base, Duration cap) {
    this.base = base;
    this.cap = cap;
  }

  /** Records one more failure for the key and returns how long to wait before the next attempt. */
  Duration next(String key) {
    int attempt = failures.merge(key, 1, Integer::sum);
    long exponential = base.toMillis() << Math.min(attempt - 1, 20);
    long capped = Math.min(exponential, cap.toMillis());
    // Up to a fifth shorter, never longer: Runs that failed together spread out, and the cap holds.
    long jitter = ThreadLocalRandom.current().nextLong(capped / 5 + 1);
    return Duration.ofMillis(capped - jitter);
  }

  /** Consecutive failures recorded for the key. */
  int failures(String key) {
    return failures.getOrDefault(key, 0);
  }

  void reset(String key) {
    failures.remove(key);
  }
}
