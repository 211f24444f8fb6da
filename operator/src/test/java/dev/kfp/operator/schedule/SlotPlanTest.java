package dev.kfp.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** CronJob's missed-slot rules, as decision rules (unit tier). */
class SlotPlanTest {

  private static final CronSchedule EVERY_MINUTE = CronSchedule.parse("* * * * *", null);
  private static final Instant LAST = Instant.parse("2027-01-01T10:00:00Z");

  @Test
  void nothingIsDueBeforeTheNextSlot() {
    SlotPlan plan = SlotPlan.at(EVERY_MINUTE, LAST, null, Instant.parse("2027-01-01T10:00:59Z"));
    assertThat(plan.due()).isEmpty();
    assertThat(plan.late()).isEmpty();
  }

  @Test
  void theSlotItselfIsDueAtItsInstant() {
    assertThat(SlotPlan.at(EVERY_MINUTE, LAST, null, Instant.parse("2027-01-01T10:01:00Z")).due())
        .contains(Instant.parse("2027-01-01T10:01:00Z"));
  }

  @Test
  void threeMissedWithoutADeadlineStartOnlyTheLatest() {
    SlotPlan plan = SlotPlan.at(EVERY_MINUTE, LAST, null, Instant.parse("2027-01-01T10:03:30Z"));
    assertThat(plan.due()).contains(Instant.parse("2027-01-01T10:03:00Z"));
    assertThat(plan.missed()).isEqualTo(2);
    assertThat(plan.tooMany()).isFalse();
  }

  @Test
  void aDeadlineShorterThanTheLatestSlotsAgeStartsNothingAndNamesTheLateSlot() {
    SlotPlan plan = SlotPlan.at(EVERY_MINUTE, LAST, 20L, Instant.parse("2027-01-01T10:03:30Z"));
    assertThat(plan.due()).isEmpty();
    assertThat(plan.late()).contains(Instant.parse("2027-01-01T10:03:00Z"));
  }

  @Test
  void aDeadlineCoveringTheLatestSlotStartsItAndCountsOnlyTheSlotsInside() {
    SlotPlan plan = SlotPlan.at(EVERY_MINUTE, LAST, 90L, Instant.parse("2027-01-01T10:03:30Z"));
    assertThat(plan.due()).contains(Instant.parse("2027-01-01T10:03:00Z"));
    assertThat(plan.missed()).isEqualTo(1);
  }

  @Test
  void aSlotExactlyDeadlineOldStillStarts() {
    assertThat(SlotPlan.at(EVERY_MINUTE, LAST, 30L, Instant.parse("2027-01-01T10:01:30Z")).due())
        .contains(Instant.parse("2027-01-01T10:01:00Z"));
  }

  @Test
  void moreThanAHundredMissedIsTooManyAndTheLatestStillStarts() {
    SlotPlan plan = SlotPlan.at(EVERY_MINUTE, LAST, null, Instant.parse("2027-01-01T12:30:10Z"));
    assertThat(plan.tooMany()).isTrue();
    assertThat(plan.due()).contains(Instant.parse("2027-01-01T12:30:00Z"));
  }

  @Test
  void aYearOfMinutelySlotsIsDecidedWithoutWalkingThemAll() {
    SlotPlan plan = SlotPlan.at(EVERY_MINUTE, LAST, null, Instant.parse("2028-01-01T10:00:10Z"));
    assertThat(plan.due()).isEqualTo(Optional.of(Instant.parse("2028-01-01T10:00:00Z")));
    assertThat(plan.tooMany()).isTrue();
  }

  @Test
  void theSecondInstantOfARepeatedLocalTimeIsNoMissedSlotForADailySchedule() {
    // 02:30 comes twice in Berlin on 2027-10-31; the daily slot was its first instant, 00:30Z
    CronSchedule daily = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
    SlotPlan plan = SlotPlan.at(daily, Instant.parse("2027-10-31T00:30:00Z"), 3600L,
        Instant.parse("2027-10-31T05:00:00Z"));
    assertThat(plan.due()).isEmpty();
    assertThat(plan.late()).isEmpty();
  }
}
