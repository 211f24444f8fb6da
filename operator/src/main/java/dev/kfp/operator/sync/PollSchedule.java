package dev.kfp.operator.sync;

import java.time.Duration;

/**
 * How often the status sync lists an active run, by how long it has been active. The sync ticks every twelfth
 * of a poll interval; a run is listed at least once per period of its tier, and the runs of a state group are
 * listed in turn ({@link ListSpread}), a share of them on every tick, so that runs share full list calls and the
 * changes found on one tick are few:
 *
 * <ul>
 *   <li>young, active for less than 3 poll intervals: every 4 ticks (a third of the interval), because a new run
 *       usually changes state soon (PENDING to RUNNING, or fails at once);
 *   <li>active for less than 360 poll intervals (an hour at 10 s): every 6 ticks (half the interval), so that a
 *       change is seen within half an interval, and written to the Run well within 0.6 of one;
 *   <li>older: every 36 ticks (3 poll intervals), because a long run rarely changes state.
 * </ul>
 *
 * <p>Calls per run follow from the tier's period and the run ids one list can carry
 * ({@link BulkStatusPoller#IDS_PER_LIST}): full lists of 150 runs every half of 10 s (12 a minute) cost 0.08
 * calls per run per minute; a state group that does not fill its last list adds to that.
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
  static final int TICKS_PER_INTERVAL = 12;
  static final int YOUNG_RUN_TICKS = TICKS_PER_INTERVAL / 3;
  static final int RUN_TICKS = TICKS_PER_INTERVAL / 2;
  static final int LONG_RUN_TICKS = TICKS_PER_INTERVAL * 3;
  /** Ticks between two counts of the active runs, for runs deleted in KFP. */
  static final int MISSING_CHECK_TICKS = TICKS_PER_INTERVAL * 5;

  public PollSchedule {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the poll interval must be positive: " + interval);
    }
  }

  /** Time between ticks: a twelfth of the poll interval (at least 1 ms). */
  Duration tick() {
    return Duration.ofNanos(Math.max(1_000_000, interval.toNanos() / TICKS_PER_INTERVAL));
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
