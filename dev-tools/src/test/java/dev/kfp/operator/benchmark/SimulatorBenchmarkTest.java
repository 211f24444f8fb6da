package dev.kfp.operator.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.tiers.MockApiTier;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small benchmark of {@link BenchmarkKfpBackendTest} on the simulator (the benchmark's Kubernetes is the mock). */
@MockApiTier
class SimulatorBenchmarkTest extends BenchmarkKfpBackendTest {

  @Test
  void onTheSimulatorTheJsonSaysSo(@TempDir Path out) throws Exception {
    JsonNode report = benchmark(out, "simulator");

    assertThat(report.path("kfp").path("backend").asText()).isEqualTo("simulator");
    assertThat(report.path("kfp").path("version").asText()).isEqualTo(KfpSimulator.VERSION);
    assertMeasured(report);
  }
}
