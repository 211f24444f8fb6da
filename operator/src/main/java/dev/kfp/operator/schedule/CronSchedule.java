package dev.kfp.operator.schedule;

import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * A RunSchedule's {@code spec.schedule} read in its {@code spec.timeZone}, by cron-utils: standard five-field cron
 * (Unix crontab fields, day of month and day of week OR-ed as in CronJob) plus the macros CronJob knows. Slots are
 * instants; over daylight-saving changes a local time that does not exist is skipped, and a local time that comes
 * twice is one slot for schedules slower than hourly, two for hourly and faster ones (docs/using/runschedule.md).
 */
final class CronSchedule {

  /** cron-utils' Unix crontab with the macros registered (its own Unix definition refuses them). */
  private static final CronDefinition STANDARD = CronDefinitionBuilder.defineCron()
      .withMinutes().withValidRange(0, 59).withStrictRange().and()
      .withHours().withValidRange(0, 23).withStrictRange().and()
      .withDayOfMonth().withValidRange(1, 31).withStrictRange().and()
      .withMonth().withValidRange(1, 12).withStrictRange().and()
      .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0).withStrictRange().and()
      .withSupportedNicknameYearly()
      .withSupportedNicknameAnnually()
      .withSupportedNicknameMonthly()
      .withSupportedNicknameWeekly()
      .withSupportedNicknameDaily()
      .withSupportedNicknameMidnight()
      .withSupportedNicknameHourly()
      .instance();
  private static final CronParser PARSER = new CronParser(STANDARD);

  private final String expression;
  private final ZoneId zone;
  private final ExecutionTime times;

  private CronSchedule(String expression, ZoneId zone, ExecutionTime times) {
    this.expression = expression;
    this.zone = zone;
    this.times = times;
  }

  /**
   * Reads a schedule; {@code timeZone} null means UTC.
   *
   * @throws InvalidScheduleException saying what is wrong, for the user
   */
  static CronSchedule parse(String schedule, String timeZone) {
    if (schedule == null || schedule.isBlank()) {
      throw new InvalidScheduleException("spec.schedule is empty");
    }
    String expression = schedule.trim().replaceAll("\\s+", " ");
    if (expression.contains("|") || expression.contains("TZ")) {
      throw new InvalidScheduleException("spec.schedule \"" + schedule + "\" is not standard cron: no | and no"
          + " TZ= (put the time zone in spec.timeZone)");
    }
    ZoneId zone;
    try {
      zone = timeZone == null ? ZoneOffset.UTC : ZoneId.of(timeZone);
    } catch (DateTimeException e) {
      throw new InvalidScheduleException("spec.timeZone \"" + timeZone + "\" is not a time zone: " + e.getMessage());
    }
    ExecutionTime times;
    try {
      times = ExecutionTime.forCron(PARSER.parse(expression));
    } catch (IllegalArgumentException e) {
      throw new InvalidScheduleException("spec.schedule \"" + schedule + "\" is not a standard five-field cron: "
          + e.getMessage());
    }
    CronSchedule cron = new CronSchedule(expression, zone, times);
    if (cron.next(Instant.EPOCH).isEmpty()) {
      throw new InvalidScheduleException("spec.schedule \"" + schedule + "\" never comes (a day that does not"
          + " exist?)");
    }
    return cron;
  }

  /** The first slot strictly after {@code after}, if there is one. */
  Optional<Instant> next(Instant after) {
    return times.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
  }

  /** The latest slot at or before {@code at}, if there is one. */
  Optional<Instant> latestAtOrBefore(Instant at) {
    ZonedDateTime local = ZonedDateTime.ofInstant(at, zone);
    if (local.getSecond() == 0 && local.getNano() == 0 && times.isMatch(local)) {
      return Optional.of(at);
    }
    return times.lastExecution(local).map(ZonedDateTime::toInstant);
  }

  /** The slot as people read it: RFC 3339 with the schedule's offset, as CronJob annotates its Jobs. */
  String local(Instant slot) {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(ZonedDateTime.ofInstant(slot, zone));
  }

  ZoneId zone() {
    return zone;
  }

  @Override
  public String toString() {
    return expression + " in " + zone;
  }

  /** A schedule or time zone the operator cannot read; its message says what is wrong. */
  static final class InvalidScheduleException extends IllegalArgumentException {
    InvalidScheduleException(String message) {
      super(message);
    }
  }
}
