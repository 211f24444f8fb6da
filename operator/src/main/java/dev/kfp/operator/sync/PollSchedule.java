package dev.kfp.operator.sync;

import java.time.Duration;

/**
 * How often the status sync lists an active run, by how long it has been active. The sync ticks every sixth of
 * a poll interval; a run is listed on the ticks of its tier, so runs of one tier share list calls:
 *
 * <ul>
 *   <li>young, active for less than 3 poll intervals: every 3 ticks (half the interval), because a new run
 *       usually changes state soon (PENDING to RUNNING, or fails at once);
 *   <li>active for less than 360 poll intervals (an hour at 10 s): every 4 ticks (two thirds of the
 *       interval), so that a change is seen, and written to the Run, within one interval with a third of it
 *       left for the reconcile and the status write of a burst of changes;
 *   <li>older: every 18 ticks (3 poll intervals), because a long run rarely changes state.
 * </ul>
 *
 * <p>Calls per run follow from the tier's period and the run ids one list can carry
 * ({@link BulkStatusPoller#IDS_PER_LIST}): full lists of 150 runs every two thirds of 10 s (9 a minute) cost
 * 0.06 calls per run per minute, against 0.08 for lists of 100 every three quarters (8 a minute); a state
 * group that does not fill its last list adds to that.
 *
 * <p>Finished runs, and runs whose KFP run is gone, are listed only on the resync interval.
 *
 * <p>A list of changes cannot tell an unchanged run from one deleted in KFP, so every
 * {@link #MISSING_CHECK_TICKS} ticks (5 poll intervals: 50 s at 10 s) the active runs are counted, one page of
 * one run per chunk of {@link BulkStatusPoller#IDS_PER_LIST} (KFP's {@code total_size} says whether all are
 * there): 0.008 calls per run per minute at 10 s for full chunks, so a run deleted while active shows within a
 * minute.
 */
public record PollSchedule(Duration interval) {

  public static final int YOUNG_INTERVALS = 3;
  static final int LONG_INTERVALS = 360;
  static final int TICKS_PER_INTERVAL = 6;
  static final int YOUNG_RUN_TICKS = TICKS_PER_INTERVAL / 2;
  static final int RUN_TICKS = TICKS_PER_INTERVAL * 2 / 3;
  static final int LONG_RUN_TICKS = TICKS_PER_INTERVAL * 3;
  /** Ticks between two counts of the active runs, for runs deleted in KFP. */
  static final int MISSING_CHECK_TICKS = TICKS_PER_INTERVAL * 5;

  public PollSchedule {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the poll interval must be positive: " + interval);
    }
  }

  /** Time between ticks: a sixth of the poll interval (at least 1 ms). */
  Duration tick() {
    return Duration.ofNanos(Math.max(1_000_000, interval.toNanos() / TICKS_PER_INTERVAL));
  }

  /**
   * True when a run active for {@code age}, last listed (or first seen) on tick {@code lastListed}, is listed on
   * tick number {@code tick}: on the ticks of its tier, or as soon as its tier's period has passed since its
   * last list. The second case is a run that just grew into a slower tier: its first tick there may be a whole
   * period after its last list in the faster tier, which for a run turning mid-aged would be one full interval.
   */
  boolean isDue(Duration age, long tick, long lastListed) {
    int between = ticksBetweenLists(age);
    return tick % between == 0 || tick - lastListed >= between;
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
