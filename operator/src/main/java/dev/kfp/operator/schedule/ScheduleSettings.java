package dev.kfp.operator.schedule;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * The RunSchedule controller's time: the clock slots are read on, and the longest it waits before looking at a
 * schedule again (it wakes up at the next slot, or sooner); and the labels that decide a shard, which each Run
 * takes from its schedule, so that the Runs are in the schedule's shard.
 */
public record ScheduleSettings(Clock clock, Duration longestWait, Set<String> shardLabels) {

  /** The system clock, and a look at every schedule at least every five minutes (a wall-clock jump shows). */
  public static final ScheduleSettings DEFAULT = new ScheduleSettings(Clock.systemUTC(), Duration.ofMinutes(5));

  public ScheduleSettings {
    if (longestWait.isNegative() || longestWait.isZero()) {
      throw new IllegalArgumentException("the longest wait must be positive: " + longestWait);
    }
    shardLabels = Set.copyOf(shardLabels);
  }

  /** Settings of an operator that is not sharded. */
  public ScheduleSettings(Clock clock, Duration longestWait) {
    this(clock, longestWait, Set.of());
  }

  /** These settings, with the label keys of the operator's shard selector. */
  public ScheduleSettings withShardLabels(Set<String> keys) {
    return new ScheduleSettings(clock, longestWait, keys);
  }
}
