package dev.kfp.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's first command: every sample of deploy/examples/ reaches its expected end state, on the real API
 * server ({@link RealApiSandboxTest}) and on KFP's own server ({@code --kfp kfp-server},
 * {@link KfpServerSandboxTest}); where the real API server cannot be had, the sandbox says so in one line and runs
 * on the mock ({@link MockApiSandboxTest}). This class holds what the three check of the printed table.
 */
abstract class SandboxTest {

  static void assertSamplesPassed(boolean passed, String table) {
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
