package dev.kfp.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's first command: every sample of deploy/examples/ reaches its expected end state. */
class SandboxTest {

  @Test
  void everySampleRunReachesItsExpectedEndStateAndTheTableShowsIt() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    boolean passed;
    String metrics;
    int health;
    try (Sandbox sandbox = Sandbox.start(new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      passed = sandbox.runSamples(Duration.ofSeconds(90));
      HttpClient http = HttpClient.newHttpClient();
      health = http.send(HttpRequest.newBuilder(sandbox.monitoringUrl().resolve("/healthz")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode();
      metrics = http.send(HttpRequest.newBuilder(sandbox.monitoringUrl().resolve("/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
    String table = printed.toString(StandardCharsets.UTF_8);
    assertThat(passed).as(table).isTrue();
    assertThat(table).contains("All 5 sample Runs reached their expected end state")
        .containsPattern("long-training +FAILED +False +Terminated")
        .containsPattern("flaky-training +FAILED +False +Failed +step train failed: ConnectionResetError: "
            + "\\[Errno 104\\] Connection reset by peer \\(feature store\\)")
        .containsPattern("flaky-training +SUCCEEDED +True +Succeeded")
        .contains("-> kubectl annotate run long-training pipelines.kfp.dev/terminate=true");
    assertThat(health).isEqualTo(200);
    assertThat(metrics).as("the sandbox runs the operator as the operator command wires it")
        .containsPattern("kfp_operator_runs\\{[^}]*state=\"SUCCEEDED\"[^}]*\\} 4\\.0")
        .containsPattern("kfp_operator_runs\\{[^}]*state=\"FAILED\"[^}]*\\} 1\\.0");
  }
}
