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
        late = Optional.ofNullable(walk(cron, lastHandled, beforeWindow).latest());
        from = beforeWindow;
      }
    }
    Walk inTime = walk(cron, from, now);
    if (inTime.latest() == null) {
      return new SlotPlan(Optional.empty(), 0, false, late);
    }
    return new SlotPlan(Optional.of(inTime.latest()), Math.min(inTime.count() - 1, TOO_MANY), inTime.tooMany(),
        Optional.empty());
  }

  /** The slots in (from, until]: how many (up to one more than TOO_MANY) and the latest. */
  private record Walk(Instant latest, int count, boolean tooMany) {}

  /**
   * Walks forward with next(), as the slots are started, so that a local time repeated over a daylight-saving
   * change counts as the slots do; past {@link #TOO_MANY} it jumps to the latest slot instead of walking on.
   */
  private static Walk walk(CronSchedule cron, Instant from, Instant until) {
    Instant latest = null;
    int count = 0;
    Instant cursor = from;
    while (count <= TOO_MANY) {
      Optional<Instant> next = cron.next(cursor);
      if (next.isEmpty() || next.get().isAfter(until)) {
        return new Walk(latest, count, false);
      }
      latest = next.get();
      cursor = latest;
      count++;
    }
    return new Walk(cron.latestAtOrBefore(until).orElse(latest), count, true);
  }
}
