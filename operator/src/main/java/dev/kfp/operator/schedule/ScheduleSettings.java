package dev.kfp.operator.schedule;

import java.time.Clock;
import java.time.Duration;

/**
 * The RunSchedule controller's time: the clock slots are read on, and the longest it waits before looking at a
 * schedule again (it wakes up at the next slot, or sooner).
 */
public record ScheduleSettings(Clock clock, Duration longestWait) {

  /** The system clock, and a look at every schedule at least every five minutes (a wall-clock jump shows). */
  public static final ScheduleSettings DEFAULT = new ScheduleSettings(Clock.systemUTC(), Duration.ofMinutes(5));

  public ScheduleSettings {
    if (longestWait.isNegative() || longestWait.isZero()) {
      throw new IllegalArgumentException("the longest wait must be positive: " + longestWait);
    }
  }
}
