package dev.kfp.operator.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.ShippedListeners;
import dev.kfp.operator.sandbox.SandboxKfp;
import dev.kfp.operator.simulator.Outage;
import dev.kfp.operator.simulator.Timing;
import dev.kfp.operator.tiers.MockApiTier;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The benchmark measures the operator that ships: the one it starts counts its KFP calls on {@code /metrics}
 * and holds them back while KFP is down, as the {@code operator} command's does. Mock API server and simulator.
 */
@MockApiTier
class BenchmarkWiringTest {

  private static final int RUNS = 2;

  @Test
  void benchmarkOperatorHasTheShippedMetricsAndCircuitBreaker() throws Exception {
    BenchmarkOptions options = BenchmarkOptions.parse(new String[] {"--runs", "" + RUNS, "--interval", "1s"});
    // Runs stay PENDING, so the status sync keeps listing them.
    Timing timing = new Timing(Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(1));
    try (BenchmarkEnvironment env = new BenchmarkEnvironment(timing, Duration.ZERO, 0, SandboxKfp.Choice.SIMULATOR,
            null);
        StatusWatch watch = new StatusWatch(env.k8s(), BenchmarkEnvironment.NAMESPACE);
        OperatorWiring.Running operator = ModeBenchmark.startOperator(env, options, false)) {
      ModeBenchmark.createRuns(env, RUNS, 2);
      ModeBenchmark.await(() -> watch.count("PENDING") >= RUNS, Duration.ofMinutes(1), "all Runs PENDING");
      assertThat(ShippedListeners.samples(ShippedListeners.metrics(operator.monitoringPort())))
          .containsEntry("kfp_client_requests_seconds_count{endpoint=\"CreateRun\",outcome=\"success\"}",
              (double) RUNS)
          .containsKey("kfp_operator_runs{state=\"PENDING\"}");

      env.simulatorFaults().startOutage(Outage.UNAVAILABLE);
      ShippedListeners.awaitCallsHeldBack(operator.monitoringPort(), "ListRuns");
    }
  }
}
