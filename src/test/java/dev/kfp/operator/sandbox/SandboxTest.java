package dev.kfp.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfp.operator.RealCluster;
import dev.kfp.operator.realkfp.KfpTestServer;
import dev.kfp.operator.sandbox.Sandbox.KubernetesChoice;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command: every sample of deploy/examples/ reaches its expected end state, on the real API
 * server; where that cannot be had, the sandbox says so in one line and runs on the mock. The same samples reach
 * the same end states on KFP's own server ({@code --kfp kfp-server}).
 */
class SandboxTest {

  @Test
  void everySampleRunReachesItsExpectedEndStateOnTheRealServerAndTheTableShowsIt() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    boolean passed;
    String metrics;
    int health;
    String kubeconfigNamespace;
    try (Sandbox sandbox = Sandbox.start(new PrintStream(printed, true, StandardCharsets.UTF_8), 0,
        RealCluster.lease())) {
      assertThat(sandbox.kubernetesDescription()).contains("kube-apiserver", "(real, RBAC on)");
      passed = sandbox.runSamples(Duration.ofSeconds(90));
      HttpClient http = HttpClient.newHttpClient();
      health = http.send(HttpRequest.newBuilder(sandbox.monitoringUrl().resolve("/healthz")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode();
      metrics = http.send(HttpRequest.newBuilder(sandbox.monitoringUrl().resolve("/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      var kubeconfig = KubeConfigUtils.parseConfig(sandbox.writeKubeconfig().toFile());
      kubeconfigNamespace = kubeconfig.getContexts().stream()
          .filter(c -> c.getName().equals(kubeconfig.getCurrentContext()))
          .findFirst().orElseThrow().getContext().getNamespace();
    }
    assertSamplesPassed(passed, printed.toString(StandardCharsets.UTF_8));
    assertThat(health).isEqualTo(200);
    assertThat(metrics).as("the sandbox runs the operator as the operator command wires it")
        .containsPattern("kfp_operator_runs\\{[^}]*state=\"FAILED\"[^}]*\\} 2\\.0"); // terminated, and past its deadline
    java.util.regex.Matcher succeeded = java.util.regex.Pattern
        .compile("kfp_operator_runs\\{[^}]*state=\"SUCCEEDED\"[^}]*\\} ([0-9.]+)").matcher(metrics);
    assertThat(succeeded.find()).as(metrics).isTrue();
    // eight Runs of their own, and the schedule sample's run-now and slot Runs (a later slot may have come too)
    assertThat(Double.parseDouble(succeeded.group(1))).isGreaterThanOrEqualTo(10.0);
    assertThat(kubeconfigNamespace).as("kubectl's default namespace in the printed kubeconfig")
        .isEqualTo(Sandbox.NAMESPACE);
  }

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

  private static void assertSamplesPassed(boolean passed, String table) {
    assertThat(passed).as(table).isTrue();
    assertThat(table).contains("All " + SandboxScenario.all().size() + " sample Runs reached their expected end state")
        .containsPattern("training-by-name +SUCCEEDED +True +Succeeded")
        .containsPattern("short-lived-training +SUCCEEDED +True +Succeeded +deleted")
        .containsPattern("queued-3 +- +Unknown +Queued +not submitted: position 2 of 2 in queue one-at-a-time, 1 of 1"
            + " active")
        .containsPattern("queued-3 +SUCCEEDED +True +Succeeded")
        .containsPattern("bounded-training +(CANCELING|CANCELED|FAILED) +False +DeadlineExceeded")
        .containsPattern("long-training +FAILED +False +Terminated")
        .containsPattern("flaky-training +FAILED +False +Failed +step train failed: ConnectionResetError: "
            + "\\[Errno 104\\] Connection reset by peer \\(feature store\\)")
        .containsPattern("flaky-training +SUCCEEDED +True +Succeeded")
        .contains("-> kubectl annotate run long-training pipelines.kfp.dev/terminate=true");
  }
}
