package dev.kfp.operator.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.tiers.RealApiTier;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small {@code benchmark --scale} on the real kube-apiserver: it creates the finished Runs, has them settled, then
 * measures an operator's start-up, the active Runs' submission and lag, the steady calls and requests and the heap,
 * and says in its JSON what it ran on.
 */
@RealApiTier
class ScaleBenchmarkTest {

  @Test
  void aSmallScaleRunMeasuresStartUpSteadyCostLagAndHeapOnTheRealApiServer(@TempDir Path out) throws Exception {
    int exit = ScaleBenchmark.run(new String[] {"--scale", "40", "--scale-active", "5", "--interval", "1s",
        "--scale-window", "8s", "--concurrency", "4", "--production-jar", "none", "--out", out.toString()},
        System.out);

    assertThat(exit).isZero();
    JsonNode report = new ObjectMapper().readTree(out.resolve("scale-40.json").toFile());
    assertThat(report.path("kubernetes").asText()).isEqualTo("real");
    assertThat(report.path("kubernetesVersion").asText()).startsWith("v1.");
    assertThat(report.path("runs").asInt()).isEqualTo(40);
    assertThat(report.path("finishedRuns").asInt()).isEqualTo(35);
    assertThat(report.path("startup").path("readySeconds").asDouble()).isPositive();
    assertThat(report.path("startup").path("kfpCallsByEndpoint").path("GET_RUN").asLong())
        .as("no read of a finished run whose status stands").isZero();
    assertThat(report.path("startup").path("runReconcilesOnItsMetrics").asDouble())
        .as("the operator's /metrics counted each Run's start-up reconcile").isGreaterThanOrEqualTo(35);
    assertThat(report.path("startup").path("kubernetesRequests").path("list runs").asLong()).isPositive();
    assertThat(report.path("lag").path("stateChangesTimed").asInt()).as("each active run started running")
        .isEqualTo(5);
    assertThat(report.path("steady").path("kfpCallsByEndpoint").path("LIST_RUNS").asLong()).isPositive();
    assertThat(report.path("steady").path("kubernetesRequestsByVerbAndResource").path("patch runs/status").asLong())
        .isPositive();
    assertThat(report.path("heap").path("processWithOperatorMb").asDouble()).isPositive();
  }
}
