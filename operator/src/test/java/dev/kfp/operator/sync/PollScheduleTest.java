package dev.kfp.operator.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class PollScheduleTest {

  private final PollSchedule schedule = new PollSchedule(Duration.ofSeconds(10));

  @Test
  void ticksEverySixthOfTheInterval() {
    assertThat(schedule.tick()).isEqualTo(Duration.ofNanos(1_666_666_666));
  }

  @Test
  void youngRunsAreListedEveryHalfIntervalThenWithinEachIntervalThenEveryThreeIntervals() {
    assertThat(schedule.ticksBetweenLists(Duration.ofSeconds(29))).isEqualTo(3);
    assertThat(schedule.ticksBetweenLists(Duration.ofSeconds(30))).isEqualTo(4);
    assertThat(schedule.ticksBetweenLists(Duration.ofMinutes(59))).isEqualTo(4);
    assertThat(schedule.ticksBetweenLists(Duration.ofHours(1))).isEqualTo(18);
  }

  @Test
  void runsOfOneTierAreDueOnTheSameTicks() {
    long[] due = LongStream.range(0, 13).filter(t -> schedule.isDue(Duration.ofMinutes(5), t, t - 1)).toArray();
    assertThat(due).containsExactly(0, 4, 8, 12);
  }

  /**
   * A run listed as young on tick 6 turns mid-aged before tick 9: the mid tier's own ticks are 8 and 12, and
   * waiting for 12 would leave it unlisted for 6 ticks, a whole interval. It is listed on tick 10 instead, one
   * mid-tier period after its last list, then on the tier's ticks.
   */
  @Test
  void aRunThatGrowsIntoASlowerTierWaitsNoLongerThanThatTiersPeriod() {
    Duration midAged = Duration.ofSeconds(31);
    long lastListed = 6;
    assertThat(schedule.isDue(midAged, 9, lastListed)).isFalse();
    assertThat(schedule.isDue(midAged, 10, lastListed)).isTrue();
    assertThat(schedule.isDue(midAged, 12, 10)).isTrue();
    assertThat(schedule.isDue(midAged, 13, 12)).isFalse();
  }
}
