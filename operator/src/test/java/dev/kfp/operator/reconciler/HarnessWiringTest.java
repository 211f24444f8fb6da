package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.OperatorProcess;
import dev.kfp.operator.ShippedListeners;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.simulator.Outage;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.tiers.MockApiTier;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The operator the harness starts is the one the {@code operator} command starts: the same metrics on
 * {@code /metrics} after the same Run, and the circuit breaker on its KFP client. Mock API server and simulator.
 */
@MockApiTier
class HarnessWiringTest {

  @Test
  void harnessOperatorServesTheMetricsOfTheOperatorCommand() {
    Set<String> shipped;
    try (OperatorProcess operator = OperatorProcess.start(Map.of(Setting.LEADER_ELECTION.envName(), "false"))) {
      operator.apply(operator.runManifest("train", ""));
      operator.runToSuccess("train");
      shipped = ShippedListeners.names(ShippedListeners.metrics(operator.monitoringPort()));
    }
    try (OperatorHarness harness = OperatorHarness.start()) {
      PipelineVersion pipeline = harness.registerPlainPipeline();
      harness.applyVersionRefRun("train", pipeline);
      harness.awaitState("train", "PENDING");
      harness.clock().advance(OperatorHarness.TIMING.pending());
      harness.awaitState("train", "RUNNING");
      harness.clock().advance(OperatorHarness.TIMING.running());
      harness.awaitState("train", "SUCCEEDED");
      String scrape = ShippedListeners.metrics(harness.monitoringPort());

      assertThat(shipped).as("what the operator command serves")
          .contains("kfp_client_requests_seconds_count", "kfp_operator_runs")
          .anyMatch(name -> name.startsWith("operator_sdk_"));
      assertThat(ShippedListeners.names(scrape)).containsAll(shipped);
      assertThat(ShippedListeners.samples(scrape))
          .containsEntry("kfp_client_requests_seconds_count{endpoint=\"CreateRun\",outcome=\"success\"}", 1.0)
          .containsEntry("kfp_operator_runs{state=\"SUCCEEDED\"}", 1.0);
    }
  }

  @Test
  void harnessOperatorHoldsKfpCallsBackWhileKfpIsDown() {
    try (OperatorHarness harness = OperatorHarness.start()) {
      PipelineVersion pipeline = harness.registerPlainPipeline();
      harness.applyVersionRefRun("train", pipeline);
      harness.awaitState("train", "PENDING");

      harness.kfp().faults().startOutage(Outage.UNAVAILABLE);
      ShippedListeners.awaitCallsHeldBack(harness.monitoringPort(), "ListRuns");
    }
  }
}
