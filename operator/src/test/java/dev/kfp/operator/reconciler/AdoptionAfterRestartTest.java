package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.reconciler.submit.SubmissionMarker;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.PipelineVersionReference;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Exactly once across a restart: a KFP run created before a crash, its Run's marker in the description, is adopted;
 * a KFP run carrying another object's marker never is. One subclass per Kubernetes API and KFP
 * ({@link OperatorHarness.KfpBackend}): the same scenarios on the simulator and on KFP's own server.
 */
abstract class AdoptionAfterRestartTest {

  OperatorHarness harness;
  private String pipelineId;

  /** The harness on the subclass's Kubernetes API and KFP. */
  abstract OperatorHarness startHarness();

  /** Puts a pipeline without required inputs into the subclass's KFP and returns its id. */
  abstract String registerPlainPipeline();

  @BeforeEach
  void start() {
    harness = startHarness();
    pipelineId = registerPlainPipeline();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  /** Applies a Run of the plain pipeline, by id (KFP picks its latest version). */
  private void applyRun(String name) {
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: %s}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
        """.formatted(name, OperatorHarness.NAMESPACE, pipelineId));
  }

  /** Every run KFP holds, as the operator's client reads them. */
  private List<KfpRun> kfpRuns() {
    return harness.client().listAllRuns(ListRunsRequest.all()).toList();
  }

  @Test
  void aRunCreatedBeforeACrashIsAdoptedAfterTheRestart() {
    harness.stopOperator();
    applyRun("crashed");
    KfpRun created = harness.client().createRun(KfpRun.create("crashed")
        .description(SubmissionMarker.of(harness.get("crashed")).text())
        .pipelineVersionReference(new PipelineVersionReference(pipelineId, null))
        .build());

    harness.startOperator();

    Run adopted = harness.awaitRun("crashed", run -> run.getStatus() != null && run.getStatus().getRunId() != null);
    assertThat(adopted.getStatus().getRunId()).isEqualTo(created.runId());
    assertThat(adopted.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_ADOPTED);
    assertThat(kfpRuns()).hasSize(1);
  }

  @Test
  void aRunCarryingAnotherObjectsMarkerIsNeverAdopted() {
    harness.stopOperator();
    applyRun("look-alike");
    SubmissionMarker sameUidOtherName = new SubmissionMarker("team-b", "look-alike",
        harness.get("look-alike").getMetadata().getUid());
    harness.client().createRun(KfpRun.create("someone else's")
        .description(sameUidOtherName.text())
        .pipelineVersionReference(new PipelineVersionReference(pipelineId, null))
        .build());

    harness.startOperator();

    Run submitted = harness.awaitRun("look-alike", run -> run.getStatus() != null
        && run.getStatus().getRunId() != null);
    assertThat(submitted.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_CREATED);
    assertThat(kfpRuns()).hasSize(2);
  }
}
