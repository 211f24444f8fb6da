package dev.kfp.operator.schedule;

import java.time.Instant;
import java.util.Optional;

/**
 * CronJob's rules for the slots that came since the last one handled: only the latest slot is started, and only
 * while it is within {@code startingDeadlineSeconds}; the older ones are never started (no catch-up storm). More
 * than {@link #TOO_MANY} slots in the window are not counted one by one: the schedule gets one warning and the
 * latest slot is still started.
 *
 * @param due the slot to start now, if any
 * @param missed how many slots in the window were passed over without a Run (not counting {@code due}), at most
 *     {@link #TOO_MANY}
 * @param tooMany true when more than {@link #TOO_MANY} slots were missed
 * @param late the latest slot missed by more than the starting deadline, when no slot is due
 */
record SlotPlan(Optional<Instant> due, int missed, boolean tooMany, Optional<Instant> late) {

  /** CronJob's bound: more missed slots than this give a warning. */
  static final int TOO_MANY = 100;

  /** The slots after {@code lastHandled} up to {@code now}; {@code deadlineSeconds} null means no deadline. */
  static SlotPlan at(CronSchedule cron, Instant lastHandled, Long deadlineSeconds, Instant now) {
    Instant from = lastHandled;
    Optional<Instant> late = Optional.empty();
    if (deadlineSeconds != null) {
      // a slot exactly deadlineSeconds old may still start; next() looks strictly after its argument
      Instant beforeWindow = now.minusSeconds(deadlineSeconds).minusSeconds(1);
      if (beforeWindow.isAfter(lastHandled)) {
        late = cron.latestAtOrBefore(beforeWindow).filter(slot -> slot.isAfter(lastHandled));
        from = beforeWindow;
      }
    }
    Instant latest = null;
    int count = 0;
    Instant cursor = from;
    while (count <= TOO_MANY) {
      Optional<Instant> next = cron.next(cursor);
      if (next.isEmpty() || next.get().isAfter(now)) {
        break;
      }
      latest = next.get();
      cursor = latest;
      count++;
    }
    boolean tooMany = count > TOO_MANY;
    if (tooMany) {
      latest = cron.latestAtOrBefore(now).orElse(latest);
    }
    if (latest == null) {
      return new SlotPlan(Optional.empty(), 0, false, late);
    }
    return new SlotPlan(Optional.of(latest), Math.min(count - 1, TOO_MANY), tooMany, Optional.empty());
  }
}
