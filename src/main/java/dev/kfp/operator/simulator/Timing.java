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

  public static Timing defaults() {
    return new Timing(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(1));
  }
}
