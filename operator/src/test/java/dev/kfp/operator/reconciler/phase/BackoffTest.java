package dev.kfp.operator.reconciler.phase;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

  @RepeatedTest(20)
  void delaysDoubleWithJitterAndNeverExceedTheCap() {
    for (int attempt = 1; attempt <= 12; attempt++) {
      Duration delay = backoff.next("run");
      long ceiling = Math.min(1000L << (attempt - 1), 30_000L);
      assertThat(delay.toMillis()).as("attempt " + attempt).isBetween(ceiling - ceiling / 5, ceiling);
    }
  }

  @Test
  void aSuccessStartsOverAndRunsDoNotShareACount() {
    backoff.next("a");
    backoff.next("a");
    backoff.next("a");
    assertThat(backoff.next("b").toMillis()).isLessThanOrEqualTo(1000);
    backoff.reset("a");
    assertThat(backoff.failures("a")).isZero();
    assertThat(backoff.next("a").toMillis()).isLessThanOrEqualTo(1000);
  }
}
