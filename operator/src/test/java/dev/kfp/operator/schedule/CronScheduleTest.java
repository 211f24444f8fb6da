package dev.kfp.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How a schedule is read and which slots it gives, over daylight-saving changes too (unit tier: no server). */
class CronScheduleTest {

  /** The slots in (from, to], in the schedule's zone, as RFC 3339 local times with offsets. */
  private static List<String> slots(CronSchedule cron, String from, String to) {
    List<String> slots = new ArrayList<>();
    Instant cursor = Instant.parse(from);
    while (true) {
      Instant next = cron.next(cursor).orElseThrow();
      if (next.isAfter(Instant.parse(to))) {
        return slots;
      }
      slots.add(cron.local(next));
      cursor = next;
    }
  }

  @Test
  void berlinSpringForwardSkipsTheLocalTimeThatDoesNotExist() {
    // 2027-03-28: 02:00 CET becomes 03:00 CEST
    CronSchedule daily = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
    assertThat(slots(daily, "2027-03-26T12:00:00Z", "2027-03-29T12:00:00Z")).containsExactly(
        "2027-03-27T02:30:00+01:00", "2027-03-29T02:30:00+02:00");
    CronSchedule hourly = CronSchedule.parse("30 * * * *", "Europe/Berlin");
    assertThat(slots(hourly, "2027-03-27T23:45:00Z", "2027-03-28T02:45:00Z")).containsExactly(
        "2027-03-28T01:30:00+01:00", "2027-03-28T03:30:00+02:00", "2027-03-28T04:30:00+02:00");
  }

  @Test
  void berlinFallBackRunsADailySlotOnceAndAnHourlyOneAtBothInstants() {
    // 2027-10-31: 03:00 CEST becomes 02:00 CET, so 02:30 comes twice
    CronSchedule daily = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
    assertThat(slots(daily, "2027-10-29T12:00:00Z", "2027-11-01T12:00:00Z")).containsExactly(
        "2027-10-30T02:30:00+02:00", "2027-10-31T02:30:00+02:00", "2027-11-01T02:30:00+01:00");
    CronSchedule hourly = CronSchedule.parse("30 * * * *", "Europe/Berlin");
    assertThat(slots(hourly, "2027-10-30T23:15:00Z", "2027-10-31T02:45:00Z")).containsExactly(
        "2027-10-31T01:30:00+02:00", "2027-10-31T02:30:00+02:00", "2027-10-31T02:30:00+01:00", "2027-10-31T03:30:00+01:00");
  }

  @Test
  void newYorkChangesAtTwoInTheMorningLocalTime() {
    // 2027-03-14: 02:00 EST becomes 03:00 EDT; 2027-11-07: 02:00 EDT becomes 01:00 EST
    CronSchedule spring = CronSchedule.parse("30 2 * * *", "America/New_York");
    assertThat(slots(spring, "2027-03-12T12:00:00Z", "2027-03-15T12:00:00Z")).containsExactly(
        "2027-03-13T02:30:00-05:00", "2027-03-15T02:30:00-04:00");
    CronSchedule autumn = CronSchedule.parse("30 1 * * *", "America/New_York");
    assertThat(slots(autumn, "2027-11-05T12:00:00Z", "2027-11-08T12:00:00Z")).containsExactly(
        "2027-11-06T01:30:00-04:00", "2027-11-07T01:30:00-04:00", "2027-11-08T01:30:00-05:00");
  }

  @ParameterizedTest
  @CsvSource({
      "@hourly, 2027-01-01T10:00Z",
      "@daily, 2027-01-02T00:00Z",
      "@midnight, 2027-01-02T00:00Z",
      "@weekly, 2027-01-03T00:00Z",
      "@monthly, 2027-02-01T00:00Z",
      "@yearly, 2028-01-01T00:00Z",
      "@annually, 2028-01-01T00:00Z",
      "' 0 0 * * 0 ', 2027-01-03T00:00Z",
      "0 0 * * 7, 2027-01-03T00:00Z",
      "0 9 * JAN MON-FRI, 2027-01-04T09:00Z"})
  void macrosAndNamesGiveTheUsualTimes(String schedule, String next) {
    assertThat(CronSchedule.parse(schedule, null).next(Instant.parse("2027-01-01T09:30:00Z")))
        .contains(ZonedDateTime.parse(next).toInstant());
  }

  @Test
  void dayOfMonthAndDayOfWeekBothRestrictedMeansEither() {
    // the 13th, or any Friday, as CronJob reads it
    CronSchedule cron = CronSchedule.parse("0 0 13 * 5", null);
    assertThat(slots(cron, "2027-08-01T00:00:00Z", "2027-08-19T00:00:00Z")).containsExactly(
        "2027-08-06T00:00:00Z", "2027-08-13T00:00:00Z");
  }

  @ParameterizedTest
  @ValueSource(strings = {"every day", "0 0 * *", "0 0 * * * *", "61 * * * *", "0 24 * * *", "0 0 ? * 5",
      "0 0 L * *", "0 0 * * 1 || 0 12 * * 2", "TZ=UTC 0 0 * * *", "@every 5m", "0 0 31 2 *"})
  void nonStandardOrImpossibleSchedulesAreRefusedWithTheReason(String schedule) {
    assertThatThrownBy(() -> CronSchedule.parse(schedule, null))
        .isInstanceOf(CronSchedule.InvalidScheduleException.class)
        .hasMessageContaining("spec.schedule");
  }

  @Test
  void anUnknownTimeZoneIsRefused() {
    assertThatThrownBy(() -> CronSchedule.parse("0 0 * * *", "Mars/Olympus"))
        .isInstanceOf(CronSchedule.InvalidScheduleException.class)
        .hasMessageContaining("spec.timeZone \"Mars/Olympus\"");
    assertThat(CronSchedule.parse("0 0 * * *", "Asia/Kolkata").zone()).isEqualTo(ZoneId.of("Asia/Kolkata"));
  }
}
