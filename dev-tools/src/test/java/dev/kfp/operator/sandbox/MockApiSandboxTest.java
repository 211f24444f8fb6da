package dev.kfp.operator.sandbox;

import dev.kfp.operator.peers.ControlPlaneBinaries;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.LocalKubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfp.operator.sandbox.Sandbox.KubernetesChoice;
import dev.kfp.operator.tiers.MockApiTier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox without the control plane's binaries: it says in one line what the mock lacks and runs every sample
 * on it; {@code --kubernetes real} refuses to fall back and {@code --kubernetes mock} does not look for binaries.
 */
@MockApiTier
class MockApiSandboxTest extends SandboxTest {

  @Test
  void withoutTheBinariesItSaysInOneLineWhatTheMockLacksAndRunsEverySampleOnIt(@TempDir Path noCheckout)
      throws Exception {
    List<String> said = new ArrayList<>();
    LocalKubernetes kubernetes = Sandbox.startKubernetes(KubernetesChoice.AUTO,
        () -> ControlPlaneBinaries.locate(noCheckout), said::add);
    assertThat(kubernetes).isInstanceOf(EmbeddedKubernetes.class);
    assertThat(said).singleElement().asString()
        .contains("mock", "no " + ControlPlaneBinaries.SCRIPT + " above " + noCheckout.toAbsolutePath())
        .contains("without CEL and schema validation", "kubectl cannot use it", "discovery", "tables", "watch",
            "apply --server-side", "explain", "install Go", "KUBEBUILDER_ASSETS");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    boolean passed;
    try (Sandbox sandbox = Sandbox.start(new PrintStream(printed, true, StandardCharsets.UTF_8), 0, kubernetes)) {
      passed = sandbox.runSamples(Duration.ofSeconds(90));
    }
    assertSamplesPassed(passed, printed.toString(StandardCharsets.UTF_8));
  }

  @Test
  void realRefusesToFallBackAndMockDoesNotLookForBinaries(@TempDir Path noCheckout) {
    assertThatThrownBy(() -> Sandbox.startKubernetes(KubernetesChoice.REAL,
        () -> ControlPlaneBinaries.locate(noCheckout), line -> { }))
        .hasMessageContaining("no real Kubernetes control plane: no " + ControlPlaneBinaries.SCRIPT)
        .hasMessageContaining("KUBEBUILDER_ASSETS");
    AtomicBoolean looked = new AtomicBoolean();
    List<String> said = new ArrayList<>();
    try (LocalKubernetes mock = Sandbox.startKubernetes(KubernetesChoice.MOCK, () -> {
      looked.set(true);
      return ControlPlaneBinaries.locate(noCheckout);
    }, said::add)) {
      assertThat(mock).isInstanceOf(EmbeddedKubernetes.class);
    }
    assertThat(looked).isFalse();
    assertThat(said).singleElement().asString().contains("--kubernetes mock", "kubectl cannot use it");
  }
}
