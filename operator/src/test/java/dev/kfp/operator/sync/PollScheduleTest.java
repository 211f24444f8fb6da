package dev.kfp.operator.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PollScheduleTest {

  private final PollSchedule schedule = new PollSchedule(Duration.ofSeconds(10));

  @Test
  void ticksEveryTwelfthOfTheInterval() {
    assertThat(schedule.tick()).isEqualTo(Duration.ofNanos(833_333_333));
  }

  @Test
  void youngRunsAreListedEveryThirdOfTheIntervalThenEveryHalfThenEveryThreeIntervals() {
    assertThat(schedule.ticksBetweenLists(Duration.ofSeconds(29))).isEqualTo(4);
    assertThat(schedule.ticksBetweenLists(Duration.ofSeconds(30))).isEqualTo(6);
    assertThat(schedule.ticksBetweenLists(Duration.ofMinutes(59))).isEqualTo(6);
    assertThat(schedule.ticksBetweenLists(Duration.ofHours(1))).isEqualTo(36);
  }
}
