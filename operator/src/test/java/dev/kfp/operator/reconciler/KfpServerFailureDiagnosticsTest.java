package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunFailure;
import dev.kfp.operator.realkfp.KfpTestServer;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.tiers.KfpServerTier;
import io.fabric8.kubernetes.api.model.Condition;
import org.junit.jupiter.api.Test;

/**
 * Failure diagnostics against KFP's own server: the failed task is found in KFP's {@code run_details}, and its
 * log read through KFP's read_artifact handler from the archive Argo would have stored.
 */
@KfpServerTier
class KfpServerFailureDiagnosticsTest extends KfpServerSuite {

  /** On the mock: the bulk status sync, no TTL_SECONDS_AFTER_FINISHED. */
  @Override
  OperatorHarness startHarness() {
    return OperatorHarness.startOnKfpServer(OperatorHarness.Backend.MOCK, false, null);
  }

  private static final String TRAIN_LOG = "loading data\nepoch 1: loss 0.7\nepoch 2: loss nan\n"
      + "RuntimeError: loss is NaN\n";

  @Test
  void aFailedRunNamesTheFailedTaskAndTheEndOfItsLog() {
    String pipelineId = upload("plain", PLAIN_PIPELINE);
    harness.apply(versionRefRun("train", pipelineId, ""));
    String runId = harness.awaitState("train", "PENDING").getStatus().getRunId();
    report(runId, "Running");
    server().report(runId, "Failed", KfpTestServer.failedStep("train", TRAIN_LOG));

    Run failed = harness.awaitRun("train", run -> "FAILED".equals(run.getStatus().getState())
        && run.getStatus().getFailure() != null);

    RunFailure failure = failed.getStatus().getFailure();
    System.out.println("failure diagnostics on KFP's server: " + failure);
    assertThat(failure.tasks()).singleElement().satisfies(task -> {
      assertThat(task.name()).isEqualTo("train");
      assertThat(task.logTail()).isEqualTo(TRAIN_LOG.strip());
    });
    Condition succeeded = failed.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow();
    assertThat(succeeded.getStatus()).isEqualTo("False");
    assertThat(succeeded.getMessage()).contains("step train failed: RuntimeError: loss is NaN");
    assertThat(harness.events("train")).filteredOn(e -> EventReason.STEP_FAILED.text().equals(e.getReason()))
        .singleElement().satisfies(e -> assertThat(e.getMessage()).contains("step train failed"));
  }
}
