package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * When a {@link RunSchedule} creates Runs and what they look like, with CronJob's meaning for every field of the
 * same name. The API server refuses what cannot be a standard five-field cron or an IANA time zone name; the
 * operator checks the rest (a day that never comes, say) and reports it as {@code InvalidSchedule}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(fieldPath = ".schedule", reason = "FieldValueInvalid",
    message = "spec.schedule cannot use | (alternatives are not standard cron): write one schedule per RunSchedule",
    value = "!self.schedule.contains('|')")
@ValidationRule(fieldPath = ".schedule", reason = "FieldValueInvalid",
    message = "spec.schedule cannot use TZ= or CRON_TZ=: put the time zone in spec.timeZone",
    value = "!self.schedule.contains('TZ')")
@ValidationRule(fieldPath = ".schedule", reason = "FieldValueInvalid",
    message = "spec.schedule must be a standard five-field cron (minute 0-59, hour 0-23, day of month 1-31,"
        + " month 1-12 or JAN-DEC, day of week 0-7 or SUN-SAT; each a value, a range, *, a /step or a list),"
        + " or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly",
    value = "self.schedule.matches(" + RunScheduleSpec.CRON_REGEX + ")")
@ValidationRule(fieldPath = ".timeZone", reason = "FieldValueInvalid",
    message = "spec.timeZone must be an IANA time zone name such as Europe/Berlin or UTC (not Local)",
    value = "!has(self.timeZone) || (self.timeZone != 'Local' && self.timeZone.matches("
        + "'^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$'))")
@ValidationRule(fieldPath = ".timeZone", reason = "FieldValueInvalid",
    message = "spec.timeZone is not a time zone the API server knows: use an IANA name such as Europe/Berlin",
    value = "!has(self.timeZone) || timestamp('2000-01-01T00:00:00Z').getHours(self.timeZone) >= 0")
@ValidationRule(fieldPath = ".startingDeadlineSeconds", reason = "FieldValueInvalid",
    message = "spec.startingDeadlineSeconds must be at least 0 (seconds after a slot); leave it out for no deadline",
    value = "!has(self.startingDeadlineSeconds) || self.startingDeadlineSeconds >= 0")
@ValidationRule(fieldPath = ".successfulRunsHistoryLimit", reason = "FieldValueInvalid",
    message = "spec.successfulRunsHistoryLimit must be at least 0: how many succeeded Runs to keep",
    value = "!has(self.successfulRunsHistoryLimit) || self.successfulRunsHistoryLimit >= 0")
@ValidationRule(fieldPath = ".failedRunsHistoryLimit", reason = "FieldValueInvalid",
    message = "spec.failedRunsHistoryLimit must be at least 0: how many failed Runs to keep",
    value = "!has(self.failedRunsHistoryLimit) || self.failedRunsHistoryLimit >= 0")
public class RunScheduleSpec {

  private static final String MINUTE = "[0-5]?[0-9]";
  private static final String HOUR = "[01]?[0-9]|2[0-3]";
  private static final String DAY_OF_MONTH = "0?[1-9]|[12][0-9]|3[01]";
  private static final String MONTH = "0?[1-9]|1[0-2]|[A-Za-z]{3}";
  private static final String DAY_OF_WEEK = "[0-7]|[A-Za-z]{3}";
  private static final String STEP = "(/[0-9]{1,2})?";
  private static final String MINUTE_ITEM = "([*]|(" + MINUTE + ")(-(" + MINUTE + "))?)" + STEP;
  private static final String HOUR_ITEM = "([*]|(" + HOUR + ")(-(" + HOUR + "))?)" + STEP;
  private static final String DAY_OF_MONTH_ITEM = "([*]|(" + DAY_OF_MONTH + ")(-(" + DAY_OF_MONTH + "))?)" + STEP;
  private static final String MONTH_ITEM = "([*]|(" + MONTH + ")(-(" + MONTH + "))?)" + STEP;
  private static final String DAY_OF_WEEK_ITEM = "([*]|(" + DAY_OF_WEEK + ")(-(" + DAY_OF_WEEK + "))?)" + STEP;
  /** Five fields, each a list of items within the field's range, or a macro; surrounding spaces allowed. */
  static final String CRON_REGEX = "'^ *(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|"
      + MINUTE_ITEM + "(," + MINUTE_ITEM + ")* +"
      + HOUR_ITEM + "(," + HOUR_ITEM + ")* +"
      + DAY_OF_MONTH_ITEM + "(," + DAY_OF_MONTH_ITEM + ")* +"
      + MONTH_ITEM + "(," + MONTH_ITEM + ")* +"
      + DAY_OF_WEEK_ITEM + "(," + DAY_OF_WEEK_ITEM + ")*) *$'";

  @Required
  @Size(max = 200)
  @JsonPropertyDescription("When to create a Run: a standard five-field cron (minute hour day-of-month month"
      + " day-of-week, read as Kubernetes CronJob reads it) or @yearly, @annually, @monthly, @weekly, @daily,"
      + " @midnight, @hourly.")
  private String schedule;
  @Size(max = 64)
  @JsonPropertyDescription("The IANA time zone the schedule is read in, e.g. Europe/Berlin; UTC when left out.")
  private String timeZone;
  @JsonPropertyDescription("How late after its slot a Run may still be created (seconds); a slot missed by more is"
      + " skipped. No limit when left out.")
  private Long startingDeadlineSeconds;
  @Default("Allow")
  @JsonPropertyDescription("When a slot comes while a Run of this schedule is active: Allow (create it too), Forbid"
      + " (skip the slot) or Replace (terminate the active Run, then create).")
  private ConcurrencyPolicy concurrencyPolicy;
  @JsonPropertyDescription("true: no new slot is started; active Runs go on. Slots missed while suspended follow the"
      + " missed-slot rules on resume.")
  private Boolean suspend;
  @Default("3")
  @JsonPropertyDescription("How many succeeded Runs to keep; older ones are deleted (their deletionPolicy applies).")
  private Integer successfulRunsHistoryLimit;
  @Default("1")
  @JsonPropertyDescription("How many failed Runs to keep; older ones are deleted (their deletionPolicy applies).")
  private Integer failedRunsHistoryLimit;
  @Required
  @JsonPropertyDescription("The labels, annotations and spec of each Run.")
  private RunTemplate runTemplate;

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public String getTimeZone() {
    return timeZone;
  }

  public void setTimeZone(String timeZone) {
    this.timeZone = timeZone;
  }

  public Long getStartingDeadlineSeconds() {
    return startingDeadlineSeconds;
  }

  public void setStartingDeadlineSeconds(Long startingDeadlineSeconds) {
    this.startingDeadlineSeconds = startingDeadlineSeconds;
  }

  public ConcurrencyPolicy getConcurrencyPolicy() {
    return concurrencyPolicy;
  }

  public void setConcurrencyPolicy(ConcurrencyPolicy concurrencyPolicy) {
    this.concurrencyPolicy = concurrencyPolicy;
  }

  /** The policy, Allow when left out (the API server fills in the default; the mock does not). */
  public ConcurrencyPolicy concurrencyPolicy() {
    return concurrencyPolicy == null ? ConcurrencyPolicy.Allow : concurrencyPolicy;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }

  public boolean suspended() {
    return Boolean.TRUE.equals(suspend);
  }

  public Integer getSuccessfulRunsHistoryLimit() {
    return successfulRunsHistoryLimit;
  }

  public void setSuccessfulRunsHistoryLimit(Integer successfulRunsHistoryLimit) {
    this.successfulRunsHistoryLimit = successfulRunsHistoryLimit;
  }

  /** How many succeeded Runs to keep, 3 when left out. */
  public int successfulLimit() {
    return successfulRunsHistoryLimit == null ? 3 : successfulRunsHistoryLimit;
  }

  public Integer getFailedRunsHistoryLimit() {
    return failedRunsHistoryLimit;
  }

  public void setFailedRunsHistoryLimit(Integer failedRunsHistoryLimit) {
    this.failedRunsHistoryLimit = failedRunsHistoryLimit;
  }

  /** How many failed Runs to keep, 1 when left out. */
  public int failedLimit() {
    return failedRunsHistoryLimit == null ? 1 : failedRunsHistoryLimit;
  }

  public RunTemplate getRunTemplate() {
    return runTemplate;
  }

  public void setRunTemplate(RunTemplate runTemplate) {
    this.runTemplate = runTemplate;
  }
}
