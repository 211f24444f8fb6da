package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KfpCircuitBreakerTest {

  private final MutableClock clock = new MutableClock();
  private final KfpCircuitBreaker breaker = new KfpCircuitBreaker(3, Duration.ofSeconds(2), clock);
  private final AtomicInteger sent = new AtomicInteger();
  private volatile KfpException failure = unavailable();

  private final KfpClient kfp = breaker.guard(new FailingClient());

  @Test
  void afterThresholdUnavailableCallsTheRestFailFastWithoutBeingSent() {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> kfp.getRun("r")).isInstanceOf(KfpException.class);
    }
    assertThat(breaker.isOpen()).isTrue();

    for (int i = 0; i < 50; i++) {
      assertThatThrownBy(() -> kfp.getRun("r")).isInstanceOfSatisfying(KfpException.class, e -> {
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
      assertThatThrownBy(() -> kfp.getRun("r")).isInstanceOf(KfpException.class);
    }
    clock.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> kfp.getRun("r")).isInstanceOf(KfpException.class);
    assertThat(sent).as("the probe went out").hasValue(4);
    assertThatThrownBy(() -> kfp.getRun("r")).hasMessageContaining("not sent");

    clock.advance(Duration.ofSeconds(2));
    failure = null;
    kfp.getRun("r");
    kfp.getRun("r");
    assertThat(breaker.isOpen()).isFalse();
    assertThat(sent).hasValue(6);
  }

  @Test
  void clientErrorsAndMissingCredentialsSayNothingAboutKfpBeingDown() {
    failure = new KfpException("GetRun", 404, 5, "Run r not found", false, null);
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> kfp.getRun("r")).isInstanceOf(KfpException.class);
    }
    failure = new KfpException("GetRun", 0, null, "cannot get the bearer token", true, false, null,
        new IllegalStateException("no token"));
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> kfp.getRun("r")).isInstanceOf(KfpException.class);
    }
    assertThat(breaker.isOpen()).isFalse();
    assertThat(sent).hasValue(20);
  }

  private static KfpException unavailable() {
    return new KfpException("GetRun", 0, null, "no response", true, false, null, new IOException("reset"));
  }

  private final class FailingClient implements KfpClient {
    private KfpRun answer() {
      sent.incrementAndGet();
      if (failure != null) {
        throw failure;
      }
      return KfpRun.create("r").build();
    }

    @Override
    public KfpRun getRun(String runId) {
      return answer();
    }

    @Override
    public KfpRun createRun(KfpRun run) {
      return answer();
    }

    @Override
    public ListRunsResponse listRuns(ListRunsRequest request) {
      answer();
      return new ListRunsResponse(null, 0, null);
    }

    @Override
    public void archiveRun(String runId) {
      answer();
    }

    @Override
    public void unarchiveRun(String runId) {
      answer();
    }

    @Override
    public void terminateRun(String runId) {
      answer();
    }

    @Override
    public void retryRun(String runId) {
      answer();
    }

    @Override
    public void deleteRun(String runId) {
      answer();
    }

    @Override
    public KfpExperiment getExperiment(String experimentId) {
      answer();
      return new KfpExperiment(experimentId, "e", "ns", KfpStorageState.AVAILABLE);
    }

    @Override
    public ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName) {
      answer();
      return new ReadArtifactResponse(new byte[0]);
    }
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-11-29T10:00:00Z");

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
