package dev.kfp.operator.simulator;

import java.time.Duration;

/**
 * How long runs stay in each phase: PENDING before RUNNING, RUNNING before the outcome, CANCELING after a
 * terminate before FAILED.
 */
public record Timing(Duration pending, Duration running, Duration canceling) {

  public Timing {
    for (Duration d : new Duration[] {pending, running, canceling}) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException("phase durations must be zero or positive: " + d);
      }
    }
  }

  /**
   * A run's own share of a duration spread, by which its PENDING and RUNNING phases are longer: the same for the
   * same id, evenly distributed over ids, so that runs created together do not change state in step.
   */
  public static Duration shareOf(Duration spread, String runId) {
    if (spread.isZero()) {
      return Duration.ZERO;
    }
    long hash = Integer.toUnsignedLong(runId.hashCode() * 0x9E3779B1);
    return Duration.ofNanos((long) (spread.toNanos() * (hash / 4294967296.0)));
  }

  public static Timing defaults() {
    return new Timing(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(1));
  }
}
