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
    long[] due = LongStream.range(0, 13).filter(t -> schedule.isDue(Duration.ofMinutes(5), t)).toArray();
    assertThat(due).containsExactly(0, 4, 8, 12);
  }
}
