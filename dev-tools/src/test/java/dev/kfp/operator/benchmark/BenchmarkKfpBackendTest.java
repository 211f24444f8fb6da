package dev.kfp.operator.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/**
 * A small benchmark on each KFP ({@link KfpServerBenchmarkTest}, {@link SimulatorBenchmarkTest}): it counts the
 * operator's calls and bytes and times the lag of every state change on KFP's own server as on the simulator, and
 * its JSON records which KFP it ran against.
 */
abstract class BenchmarkKfpBackendTest {

  static final int RUNS = 10;

  static JsonNode benchmark(Path out, String kfp) throws Exception {
    int exit = BenchmarkCommand.run(new String[] {"--kfp", kfp, "--kubernetes", "mock", "--runs", "" + RUNS,
        "--modes", "bulk",
        "--interval", "1s", "--heap-runs", "0", "--spec-kib", "1", "--concurrency", "4", "--out", out.toString()});
    assertThat(exit).isZero();
    JsonNode report = new ObjectMapper().readTree(out.resolve("benchmark.json").toFile());
    System.out.println("benchmark on " + kfp + ": " + report.path("modes"));
    return report;
  }

  /** Every run's two changes (RUNNING, SUCCEEDED) timed; calls and bytes counted in the window. */
  static void assertMeasured(JsonNode report) {
    JsonNode bulk = report.path("modes").path(0);
    assertThat(bulk.path("mode").asText()).isEqualTo("bulk");
    assertThat(bulk.path("stateChangesTimed").asInt()).isEqualTo(2 * RUNS);
    assertThat(bulk.path("windowCalls").asLong()).isPositive();
    assertThat(bulk.path("kfpBytesPerActiveRunPerMinute").asDouble()).isPositive();
    assertThat(bulk.path("kfpBytesPerRunSubmitted").asDouble()).isPositive();
    assertThat(bulk.path("lagSecondsP99").asDouble()).isBetween(0.0, 10.0);
    assertThat(report.path("bareLoopKfpBytesPerRun").asDouble()).isPositive();
    assertThat(report.path("kubernetes").path("backend").asText()).isEqualTo("mock");
    assertThat(report.path("bareLoopKubernetesRequests").path("patch runs/status").asLong()).isEqualTo(2 * RUNS);
    assertThat(bulk.path("submissionKubernetesRequests").path("patch runs/status").asLong()).isEqualTo(2 * RUNS);
  }
}
