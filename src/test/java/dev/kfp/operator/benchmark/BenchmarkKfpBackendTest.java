package dev.kfp.operator.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.realkfp.KfpTestServer;
import dev.kfp.operator.simulator.KfpSimulator;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small benchmark on each KFP: it counts the operator's calls and bytes and times the lag of every state change
 * on KFP's own server as on the simulator, and its JSON records which KFP it ran against.
 */
class BenchmarkKfpBackendTest {

  private static final int RUNS = 10;

  @Test
  void onKfpsOwnServerItMeasuresCallsBytesAndLagAndRecordsTheServer(@TempDir Path out) throws Exception {
    KfpTestServer.binary(); // skipped, naming what is missing, only where no KFP source exists at all
    JsonNode report = benchmark(out, "kfp-server");

    assertThat(report.path("kfp").path("backend").asText()).isEqualTo("kfp-server");
    assertThat(report.path("kfp").path("version").asText()).isEqualTo("2.17.0");
    assertThat(report.path("kfp").path("description").asText()).contains("KFP 2.17.0's own API server");
    assertMeasured(report);
  }

  @Test
  void onTheSimulatorTheJsonSaysSo(@TempDir Path out) throws Exception {
    JsonNode report = benchmark(out, "simulator");

    assertThat(report.path("kfp").path("backend").asText()).isEqualTo("simulator");
    assertThat(report.path("kfp").path("version").asText()).isEqualTo(KfpSimulator.VERSION);
    assertMeasured(report);
  }

  private static JsonNode benchmark(Path out, String kfp) throws Exception {
    int exit = BenchmarkCommand.run(new String[] {"--kfp", kfp, "--runs", "" + RUNS, "--modes", "bulk",
        "--interval", "1s", "--heap-runs", "0", "--spec-kib", "1", "--concurrency", "4", "--out", out.toString()});
    assertThat(exit).isZero();
    JsonNode report = new ObjectMapper().readTree(out.resolve("benchmark.json").toFile());
    System.out.println("benchmark on " + kfp + ": " + report.path("modes"));
    return report;
  }

  /** Every run's two changes (RUNNING, SUCCEEDED) timed; calls and bytes counted in the window. */
  private static void assertMeasured(JsonNode report) {
    JsonNode bulk = report.path("modes").path(0);
    assertThat(bulk.path("mode").asText()).isEqualTo("bulk");
    assertThat(bulk.path("stateChangesTimed").asInt()).isEqualTo(2 * RUNS);
    assertThat(bulk.path("windowCalls").asLong()).isPositive();
    assertThat(bulk.path("kfpBytesPerActiveRunPerMinute").asDouble()).isPositive();
    assertThat(bulk.path("kfpBytesPerRunSubmitted").asDouble()).isPositive();
    assertThat(bulk.path("lagSecondsP99").asDouble()).isBetween(0.0, 10.0);
    assertThat(report.path("bareLoopKfpBytesPerRun").asDouble()).isPositive();
  }
}
