package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfp.operator.TestClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The breaker's rules, asked as the client's execute path asks its listeners (no HTTP);
 * {@link KfpCallListenerTest} proves that the client asks them.
 */
class KfpCircuitBreakerTest {

  private final TestClock clock = new TestClock(Instant.parse("2026-11-29T10:00:00Z"));
  private final KfpCircuitBreaker breaker = new KfpCircuitBreaker(3, Duration.ofSeconds(2), clock);
  private final AtomicInteger sent = new AtomicInteger();
  private volatile KfpException failure = unavailable();

  /** A call as the client's execute path makes it: asked first, sent when admitted, then recorded. */
  private void getRun() {
    breaker.beforeCall("GetRun");
    sent.incrementAndGet();
    KfpException outcome = failure;
    breaker.afterCall("GetRun", Duration.ofMillis(5), outcome);
    if (outcome != null) {
      throw outcome;
    }
  }

  @Test
  void afterThresholdUnavailableCallsTheRestFailFastWithoutBeingSent() {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(this::getRun).isInstanceOf(KfpException.class);
    }
    assertThat(breaker.isOpen()).isTrue();

    for (int i = 0; i < 50; i++) {
      assertThatThrownBy(this::getRun).isInstanceOfSatisfying(KfpException.class, e -> {
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.isAmbiguous()).as("nothing was sent").isFalse();
        assertThat(e.getMessage()).contains("not sent");
      });
    }
    assertThat(sent).hasValue(3);
  }

  @Test
  void oneProbePerIntervalAndTheFirstAnswerCloses() {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(this::getRun).isInstanceOf(KfpException.class);
    }
    clock.advance(Duration.ofSeconds(2));
    assertThatThrownBy(this::getRun).isInstanceOf(KfpException.class);
    assertThat(sent).as("the probe went out").hasValue(4);
    assertThatThrownBy(this::getRun).hasMessageContaining("not sent");

    clock.advance(Duration.ofSeconds(2));
    failure = null;
    getRun();
    getRun();
    assertThat(breaker.isOpen()).isFalse();
    assertThat(sent).hasValue(6);
  }

  @Test
  void clientErrorsAndMissingCredentialsSayNothingAboutKfpBeingDown() {
    failure = new KfpException("GetRun", 404, 5, "Run r not found", false, null);
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(this::getRun).isInstanceOf(KfpException.class);
    }
    failure = new KfpException("GetRun", 0, null, "cannot get the bearer token", true, false, null,
        new IllegalStateException("no token"));
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(this::getRun).isInstanceOf(KfpException.class);
    }
    assertThat(breaker.isOpen()).isFalse();
    assertThat(sent).hasValue(20);
  }

  @Test
  void overloadAndGatewayAnswersCountAsUnavailableAndAServerThatAnswersResetsTheCount() {
    failure = answered(503);
    assertThatThrownBy(this::getRun).isInstanceOf(KfpException.class);
    failure = answered(429);
    assertThatThrownBy(this::getRun).isInstanceOf(KfpException.class);
    failure = answered(500);
    assertThatThrownBy(this::getRun).as("KFP answered: it is up").isInstanceOf(KfpException.class);
    assertThat(breaker.isOpen()).isFalse();

    for (int status : new int[] {502, 504, 503}) {
      failure = answered(status);
      assertThatThrownBy(this::getRun).isInstanceOf(KfpException.class);
    }

    assertThat(breaker.isOpen()).isTrue();
    assertThatThrownBy(this::getRun).isInstanceOfSatisfying(KfpException.class, e -> {
      assertThat(e.operation()).isEqualTo("GetRun");
      assertThat(e.getMessage()).contains("unavailable for the last 3 calls").contains("HTTP 503");
    });
    assertThat(sent).hasValue(6);
  }

  private static KfpException answered(int status) {
    return new KfpException("GetRun", status, null, "busy", status != 500, null);
  }

  private static KfpException unavailable() {
    return new KfpException("GetRun", 0, null, "no response", true, false, null, new IOException("reset"));
  }
}
