package dev.kfp.operator.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfp.operator.realkfp.KfpTestServer;
import dev.kfp.operator.tiers.KfpServerTier;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small benchmark of {@link BenchmarkKfpBackendTest} on KFP's own server. */
@KfpServerTier
class KfpServerBenchmarkTest extends BenchmarkKfpBackendTest {

  @Test
  void onKfpsOwnServerItMeasuresCallsBytesAndLagAndRecordsTheServer(@TempDir Path out) throws Exception {
    KfpTestServer.binary(); // skipped, naming what is missing, only where no KFP source exists at all
    JsonNode report = benchmark(out, "kfp-server");

    assertThat(report.path("kfp").path("backend").asText()).isEqualTo("kfp-server");
    assertThat(report.path("kfp").path("version").asText()).isEqualTo("2.17.0");
    assertThat(report.path("kfp").path("description").asText()).contains("KFP 2.17.0's own API server");
    assertMeasured(report);
  }
}
