package dev.kfp.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.RealCluster;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's first command on the real API server: every sample reaches its expected end state, and the
 * sandbox's endpoints and kubeconfig work.
 */
@RealApiTier
class RealApiSandboxTest extends SandboxTest {

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
    Matcher succeeded = Pattern.compile("kfp_operator_runs\\{[^}]*state=\"SUCCEEDED\"[^}]*\\} ([0-9.]+)")
        .matcher(metrics);
    assertThat(succeeded.find()).as(metrics).isTrue();
    // eight Runs of their own, and the schedule sample's run-now and slot Runs (a later slot may have come too)
    assertThat(Double.parseDouble(succeeded.group(1))).isGreaterThanOrEqualTo(10.0);
    assertThat(kubeconfigNamespace).as("kubectl's default namespace in the printed kubeconfig")
        .isEqualTo(Sandbox.NAMESPACE);
  }
}
