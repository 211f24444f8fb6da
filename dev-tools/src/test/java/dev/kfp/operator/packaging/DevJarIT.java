package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.Main;
import dev.kfp.operator.packaging.ProductionJarIT.Result;
import dev.kfp.operator.realkfp.KfpTestServer;
import dev.kfp.operator.tiers.JarTier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The development jar, as built by {@code mvn package}: every command of the project, and the sandbox of the
 * README's first command runs from it on the mock API (the real one is SandboxTest's), on the simulator and on KFP's
 * own server; a bad {@code --kfp} and a missing KFP server each get one line.
 */
@JarTier
class DevJarIT {

  private static final Path JAR = Path.of("dev-tools", "target", Main.DEV_JAR);

  @Test
  void holdsTheDevelopmentPackagesAndTheMockApi() throws Exception {
    List<String> entries = new ArrayList<>();
    try (JarFile file = new JarFile(JAR.toFile())) {
      file.stream().map(ZipEntry::getName).forEach(entries::add);
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("dev.kfp.operator.devtools.DevMain");
    }
    assertThat(entries).contains("dev/kfp/operator/sandbox/Sandbox.class",
        "dev/kfp/operator/simulator/KfpSimulator.class",
        "dev/kfp/operator/benchmark/BenchmarkCommand.class", "dev/kfp/operator/reconciler/RunReconciler.class",
        "io/fabric8/kubernetes/client/server/mock/KubernetesMockServer.class", "examples/version-ref.yaml");
  }

  @Test
  void everyCommandsHelpExitsZero() throws Exception {
    Result help = ProductionJarIT.java(JAR, Map.of(), "--help");
    assertThat(help.exit()).as(help.toString()).isZero();
    for (String command : List.of("sandbox", "operator", "simulator", "benchmark")) {
      assertThat(help.out()).contains("  " + command + " ");
      Result commandHelp = ProductionJarIT.java(JAR, Map.of(), command, "--help");
      assertThat(commandHelp.exit()).as(commandHelp.toString()).isZero();
      assertThat(commandHelp.out()).contains("usage: " + command);
    }
  }

  @Test
  void aSandboxThatCannotHaveTheRealApiSaysWhyInOneLine(@TempDir Path outsideTheCheckout) throws Exception {
    Result sandbox = ProductionJarIT.java(JAR, outsideTheCheckout, Map.of(), "--kubernetes", "real");

    assertThat(sandbox.exit()).as(sandbox.toString()).isEqualTo(1);
    assertThat(sandbox.err().strip()).as(sandbox.toString()).startsWith("sandbox: no real Kubernetes control plane")
        .contains("KUBEBUILDER_ASSETS").doesNotContain("\n");
  }

  @Test
  void theSandboxRunsEverySampleFromTheJar() throws Exception {
    Result sandbox = ProductionJarIT.java(JAR, Map.of(), "--kubernetes", "mock", "--timeout", "50s");

    assertThat(sandbox.exit()).as(sandbox.toString()).isZero();
    assertThat(sandbox.out()).contains("All 13 sample Runs reached their expected end state");
  }

  @Test
  void theSandboxRunsEverySampleOnKfpsOwnServerFromTheJar() throws Exception {
    KfpTestServer.binary(); // skipped, naming what is missing, only where no KFP source exists at all
    Result sandbox = ProductionJarIT.java(JAR, Map.of(), "--kubernetes", "mock", "--kfp", "kfp-server",
        "--timeout", "90s");

    assertThat(sandbox.exit()).as(sandbox.toString()).isZero();
    assertThat(sandbox.out()).contains("KFP 2.17.0's own server at http://127.0.0.1:")
        .contains("All 13 sample Runs reached their expected end state; KFP 2.17.0's own server ran them");
  }

  @Test
  void aBadKfpValueAndNoKfpServerEachSayWhyInOneLine(@TempDir Path outsideTheCheckout) throws Exception {
    Result badValue = ProductionJarIT.java(JAR, Map.of(), "--kfp", "kfp");
    assertThat(badValue.exit()).as(badValue.toString()).isEqualTo(2);
    assertThat(badValue.err().lines().findFirst()).as(badValue.toString())
        .hasValue("sandbox: --kfp needs simulator or kfp-server");

    Result noServer = ProductionJarIT.java(JAR, outsideTheCheckout, Map.of(), "--kubernetes", "mock", "--kfp",
        "kfp-server");
    assertThat(noServer.exit()).as(noServer.toString()).isEqualTo(1);
    assertThat(noServer.err().strip()).as(noServer.toString())
        .startsWith("sandbox: no KFP server: no src/test/go/kfp-server/build.sh above")
        .contains("KFP_SOURCE", "--kfp simulator").doesNotContain("\n");
  }
}
