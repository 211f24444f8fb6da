package dev.kfp.operator.monitoring;

import dev.kfp.operator.kfp.KfpCallListener;
import dev.kfp.operator.kfp.KfpCallOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Times every call to KFP, by KFP endpoint ({@code CreateRun}, ...) and {@linkplain KfpCallOutcome outcome}, as
 * the Prometheus histogram {@code kfp_client_requests_seconds}. A listener of the client's one execute path (see
 * {@link KfpCallListener} for why), so every page of a paged listing counts as the call it is.
 */
final class KfpCallTimer implements KfpCallListener {

  static final String METER = "kfp.client.requests";

  private final MeterRegistry registry;

  KfpCallTimer(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void afterCall(String operation, Duration duration, RuntimeException failure) {
    Timer.builder(METER)
        .description("Calls to the KFP runs API, by endpoint and outcome")
        .tag("endpoint", operation)
        .tag("outcome", KfpCallOutcome.of(failure).label())
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry)
        .record(duration);
  }
}
