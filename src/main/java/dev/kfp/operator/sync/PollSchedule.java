package dev.kfp.operator.sync;

import java.time.Duration;

/**
 * How often the status sync lists an active run, by how long it has been active. The sync ticks every quarter
 * poll interval; a run is listed on the ticks of its tier, so runs of one tier share list calls:
 *
 * <ul>
 *   <li>young, active for less than 3 poll intervals: every 2 ticks (half the interval), because a new run
 *       usually changes state soon (PENDING to RUNNING, or fails at once);
 *   <li>active for less than 360 poll intervals (an hour at 10 s): every 3 ticks (three quarters of the
 *       interval), so that a change is seen, and written to the Run, within one interval;
 *   <li>older: every 12 ticks (3 poll intervals), because a long run rarely changes state.
 * </ul>
 *
 * <p>Finished runs, and runs whose KFP run is gone, are listed only on the resync interval.
 */
public record PollSchedule(Duration interval) {

  public static final int YOUNG_INTERVALS = 3;
  static final int LONG_INTERVALS = 360;
  static final int YOUNG_RUN_TICKS = 2;
  static final int RUN_TICKS = 3;
  static final int LONG_RUN_TICKS = 12;

  public PollSchedule {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the poll interval must be positive: " + interval);
    }
  }

  /** Time between ticks: a quarter of the poll interval (at least 1 ms). */
  Duration tick() {
    return Duration.ofNanos(Math.max(1_000_000, interval.toNanos() / 4));
  }

  /** True when a run active for {@code age} is listed on tick number {@code tick}. */
  boolean isDue(Duration age, long tick) {
    return tick % ticksBetweenLists(age) == 0;
  }

  /** How many ticks pass between two lists of a run active for {@code age}. */
  int ticksBetweenLists(Duration age) {
    if (age.compareTo(interval.multipliedBy(YOUNG_INTERVALS)) < 0) {
      return YOUNG_RUN_TICKS;
    }
    if (age.compareTo(interval.multipliedBy(LONG_INTERVALS)) < 0) {
      return RUN_TICKS;
    }
    return LONG_RUN_TICKS;
  }
}
