package dev.kfp.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.tiers.RealApiTier;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Slots over the next daylight-saving changes of Europe/Berlin and America/New_York, on the real kube-apiserver
 * with an operator whose clock the test walks across the change. The expected slots come from java.time's zone
 * rules and the documented policy, not from the code under test: a local time that does not exist (spring) has no
 * slot; a local time that comes twice (autumn) is one slot for a daily schedule (the first instant) and two for
 * an hourly one; every slot gives exactly one Run, annotated with its local time and offset.
 */
@RealApiTier
class DaylightSavingOperatorTest {

  private ScheduleFixture fixture;

  @AfterEach
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** The next change of the zone that moves clocks forward (spring) or back (autumn), after now. */
  private static ZoneOffsetTransition nextChange(ZoneId zone, boolean spring) {
    Instant after = Instant.now();
    while (true) {
      ZoneOffsetTransition change = zone.getRules().nextTransition(after);
      if (change.isGap() == spring) {
        return change;
      }
      after = change.getInstant();
    }
  }

  @ParameterizedTest(name = "{0}, spring {1}")
  @CsvSource({"Europe/Berlin, true", "Europe/Berlin, false", "America/New_York, true", "America/New_York, false"})
  void anHourlyScheduleHasOneRunPerRealHourAndShowsTheOffsetChange(String zoneName, boolean spring) {
    ZoneId zone = ZoneId.of(zoneName);
    Instant change = nextChange(zone, spring).getInstant();
    Instant start = change.truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);
    Instant end = change.plus(3, ChronoUnit.HOURS);
    List<String> expected = new ArrayList<>();
    for (Instant slot = start.plus(30, ChronoUnit.MINUTES); !slot.isAfter(end); slot = slot.plus(1, ChronoUnit.HOURS)) {
      expected.add(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(slot.atZone(zone)));
    }

    List<String> slots = walk("hourly", "30 * * * *", zone, start, end, Duration.ofMinutes(15));

    assertThat(slots).containsExactlyElementsOf(expected);
    List<String> localTimes = slots.stream().map(s -> s.substring(11, 16)).toList();
    if (spring) {
      assertThat(localTimes).as("the hour that does not exist is jumped over").doesNotHaveDuplicates();
    } else {
      assertThat(localTimes.stream().distinct().count()).as("the repeated local hour has two slots, two offsets")
          .isEqualTo(localTimes.size() - 1);
    }
  }

  @ParameterizedTest(name = "{0}, spring {1}")
  @CsvSource({"Europe/Berlin, true", "Europe/Berlin, false", "America/New_York, true", "America/New_York, false"})
  void aDailyScheduleSkipsAMissingLocalTimeAndRunsARepeatedOneOnce(String zoneName, boolean spring) {
    ZoneId zone = ZoneId.of(zoneName);
    ZoneOffsetTransition change = nextChange(zone, spring);
    LocalTime local = (spring ? change.getDateTimeBefore() : change.getDateTimeAfter()).toLocalTime().plusMinutes(30);
    List<String> expected = new ArrayList<>();
    for (int day = -1; day <= 1; day++) {
      LocalDateTime when = change.getDateTimeBefore().toLocalDate().plusDays(day).atTime(local);
      List<ZoneOffset> offsets = zone.getRules().getValidOffsets(when);
      if (!offsets.isEmpty()) {
        expected.add(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(when.atOffset(offsets.get(0))));
      }
    }
    assertThat(expected).as("the oracle").hasSize(spring ? 2 : 3);
    Instant firstSlot = java.time.OffsetDateTime.parse(expected.get(0)).toInstant();

    List<String> slots = walk("daily", "%d %d * * *".formatted(local.getMinute(), local.getHour()), zone,
        firstSlot.minus(1, ChronoUnit.HOURS), firstSlot.plus(49, ChronoUnit.HOURS), Duration.ofHours(4));

    assertThat(slots).containsExactlyElementsOf(expected);
  }

  /**
   * Creates a schedule with a starting deadline of one step, walks the clock from {@code start} to {@code end} in
   * those steps, and returns the slots of the Runs it made, oldest first.
   */
  private List<String> walk(String name, String cron, ZoneId zone, Instant start, Instant end, Duration step) {
    fixture = new ScheduleFixture(start);
    fixture.startOperator();
    fixture.create(name, cron, "timeZone: " + zone.getId() + "\nstartingDeadlineSeconds: " + step.toSeconds());
    fixture.awaitLooked();
    // the slots between the schedule's creation (now) and the walk's start are missed, and said so, once
    int before = fixture.eventReasons(name).size();
    while (fixture.now().isBefore(end)) {
      Instant next = fixture.now().plus(step);
      fixture.advanceTo(next.isAfter(end) ? end : next);
    }
    fixture.awaitLooked();
    List<String> reasons = fixture.eventReasons(name);
    assertThat(reasons.subList(before, reasons.size())).doesNotContain(ScheduleEvents.MISSED_SCHEDULES);
    return fixture.runs(name).stream().sorted(java.util.Comparator.comparing(run -> run.getMetadata().getName()))
        .map(run -> run.annotation(dev.kfp.operator.api.RunSchedule.SCHEDULED_TIME_ANNOTATION)).toList();
  }
}
