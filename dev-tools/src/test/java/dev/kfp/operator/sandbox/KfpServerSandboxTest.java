package dev.kfp.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.RealCluster;
import dev.kfp.operator.realkfp.KfpTestServer;
import dev.kfp.operator.tiers.KfpServerTier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The README's first command with {@code --kfp kfp-server}: the same samples reach the same end states on KFP's
 * own server, on the real API server.
 */
@KfpServerTier
class KfpServerSandboxTest extends SandboxTest {

  @Test
  void onKfpsOwnServerEverySampleReachesItsExpectedEndStateMovedByTheSandboxsPersistenceAgent() throws Exception {
    KfpTestServer.binary(); // skipped, naming what is missing, only where no KFP source exists at all
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    boolean passed;
    String kfp;
    try (Sandbox sandbox = Sandbox.start(new PrintStream(printed, true, StandardCharsets.UTF_8), 0,
        RealCluster.lease(), SandboxKfp.Choice.KFP_SERVER, Path.of(""), System.out::println)) {
      kfp = sandbox.kfpDescription();
      passed = sandbox.runSamples(Duration.ofSeconds(90));
    }
    String table = printed.toString(StandardCharsets.UTF_8);
    System.out.println("SandboxTest ran on " + kfp);
    assertThat(kfp).startsWith("KFP 2.17.0's own server at http://127.0.0.1:");
    assertSamplesPassed(passed, table);
    assertThat(table).contains("KFP 2.17.0's own server ran them (its persistence agent made");
  }
}
