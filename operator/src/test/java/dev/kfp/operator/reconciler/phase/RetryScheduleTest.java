package dev.kfp.operator.reconciler.phase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.kfp.KfpErrors;
import dev.kfp.operator.kfp.KfpException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The retry schedule's promises: an error that may pass is retried within half the resync interval, a refusal
 * never sooner than the resync interval, KFP's Retry-After is honoured, and a wait for a claim never outlasts it.
 */
class RetryScheduleTest {

  private static final Duration RESYNC = Duration.ofSeconds(10);
  private final RetrySchedule retries = new RetrySchedule(RESYNC);
  private final KfpException unavailable = KfpErrors.answered("GetRun", 503, "service unavailable");

  @Test
  void errorsThatMayPassBackOffUpToHalfTheResyncInterval() {
    Duration longest = Duration.ZERO;
    for (int i = 0; i < 30; i++) {
      Duration delay = retries.afterError("uid", unavailable);
      longest = delay.compareTo(longest) > 0 ? delay : longest;
    }

    assertThat(longest).isLessThanOrEqualTo(RESYNC.dividedBy(2)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
    assertThat(retries.failures("uid")).isEqualTo(30);
    retries.reset("uid");
    assertThat(retries.afterError("uid", unavailable)).isLessThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theBackoffNeverExceedsFiveMinutesWhateverTheResyncInterval() {
    RetrySchedule daily = new RetrySchedule(Duration.ofDays(1));
    Duration delay = Duration.ZERO;
    for (int i = 0; i < 30; i++) {
      delay = daily.afterError("uid", unavailable);
    }

    assertThat(delay).isLessThanOrEqualTo(RetrySchedule.MAX_BACKOFF);
  }

  @Test
  void kfpsRetryAfterIsHonoured() {
    KfpException slowDown = new KfpException("GetRun", 429, null, "slow down", true, false, Duration.ofSeconds(7),
        null);

    assertThat(retries.afterError("uid", slowDown)).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void refusalsWaitAtLeastTheResyncIntervalDoublingUpToEightTimesIt() {
    Duration first = retries.afterRefusal("uid");
    Duration last = first;
    for (int i = 0; i < 10; i++) {
      last = retries.afterRefusal("uid");
    }

    assertThat(first).isBetween(RESYNC, RESYNC.multipliedBy(5).dividedBy(4));
    assertThat(last).isBetween(RESYNC.multipliedBy(8).multipliedBy(4).dividedBy(5), RESYNC.multipliedBy(8));
  }

  @Test
  void aWaitForALiveClaimEndsJustAfterTheClaim() {
    Instant now = Instant.parse("2026-12-01T10:00:00Z");

    assertThat(retries.whileClaimLive("uid", now.plusMillis(250), now))
        .isEqualTo(Duration.ofMillis(250).plus(RetrySchedule.CLAIM_MARGIN));
    assertThat(retries.whileClaimLive("uid", now.minusSeconds(1), now)).as("already over")
        .isEqualTo(RetrySchedule.CLAIM_MARGIN);
  }
}
