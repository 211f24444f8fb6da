package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.OperatorHarness.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.tiers.KfpServerTier;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The life of a Run against KFP's own server: created by version, by inline spec, by ConfigMap and by pipeline
 * name; followed to its end; archived and unarchived; terminated; retried; deleted under each deletion policy.
 */
@KfpServerTier
class KfpServerRunLifecycleTest extends KfpServerSuite {

  /** On the mock: the bulk status sync, no TTL_SECONDS_AFTER_FINISHED. */
  @Override
  OperatorHarness startHarness() {
    return OperatorHarness.startOnKfpServer(OperatorHarness.Backend.MOCK, false, null);
  }

  private String plain() {
    return upload("plain", PLAIN_PIPELINE);
  }

  /** The Run once KFP's refusal of its create shows in {@code Submitted}. */
  private Run awaitRefused(String name) {
    return await().atMost(Duration.ofSeconds(60)).until(() -> harness.get(name), run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED)
            .map(c -> RunConditions.REASON_KFP_ERROR.equals(c.getReason())).orElse(false));
  }


  @Test
  void aRunByVersionFollowsItsKfpRunToSuccess() {
    String pipelineId = plain();
    harness.apply(versionRefRun("train", pipelineId, ""));
    String runId = runIdOf("train");
    Run pending = harness.awaitState("train", "PENDING");
    assertThat(pending.getStatus().isTrue(RunConditions.SUBMITTED)).isTrue();
    assertThat(kfpRun(runId).description()).endsWith("[kfp-run-operator team-a/train uid="
        + pending.getMetadata().getUid() + "]");
    assertThat(pending.getStatus().getPipelineId()).isEqualTo(pipelineId);

    report(runId, "Running");
    harness.awaitState("train", "RUNNING");
    report(runId, "Succeeded");
    Run done = harness.awaitState("train", "SUCCEEDED");

    Condition succeeded = done.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow();
    assertThat(succeeded.getStatus()).isEqualTo("True");
    assertThat(succeeded.getReason()).isEqualTo("Succeeded");
    assertThat(done.getStatus().getFinishedAt()).isNotNull();
    assertThat(done.getStatus().getStateHistory()).extracting(h -> h.state())
        .containsExactly("PENDING", "RUNNING", "SUCCEEDED");
    assertThat(kfpRuns()).hasSize(1);
  }

  @Test
  void aRunFromAnInlineCompiledPipelineIsSubmitted() {
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: inline, namespace: team-a}
        spec:
          displayName: inline pipeline
          pipeline:
            spec:
        %s
          parameters: {param2: world}
        """.formatted(CompiledPipelines.yaml("arguments_parameters").indent(6)));

    KfpRun run = kfpRun(runIdOf("inline"));
    assertThat(run.displayName()).isEqualTo("inline pipeline");
    assertThat(run.pipelineSpec()).isNotNull();
    assertThat(run.runtimeConfig().parameters()).containsOnlyKeys("param2");
    harness.awaitState("inline", "PENDING");
  }

  @Test
  void aRunFromAPipelineKeptInAConfigMapIsSubmitted() {
    harness.k8s().configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("preprocess").withNamespace(NAMESPACE).endMetadata()
        .addToData("pipeline.yaml", CompiledPipelines.yaml("preprocess")).build()).create();
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: from-config-map, namespace: team-a}
        spec:
          pipeline:
            specFrom: {configMapKeyRef: {name: preprocess, key: pipeline.yaml}}
          parameters:
            message: hello
            input_dict_parameter: {a: 1}
            input_list_parameter: [x, y]
        """);

    KfpRun run = kfpRun(runIdOf("from-config-map"));
    assertThat(run.runtimeConfig().parameters()).containsOnlyKeys("message", "input_dict_parameter",
        "input_list_parameter");
    harness.awaitState("from-config-map", "PENDING");
  }

  @Test
  void aRunByPipelineNameGetsTheVersionKfpNamesLatest() {
    String pipelineId = upload("by-name", PLAIN_PIPELINE);
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: named, namespace: team-a}
        spec:
          pipeline: {versionRef: {pipelineName: by-name}}
        """);

    KfpRun run = kfpRun(runIdOf("named"));
    assertThat(run.pipelineVersionReference().pipelineId()).isEqualTo(pipelineId);
    assertThat(harness.awaitState("named", "PENDING").getStatus().getPipelineId()).isEqualTo(pipelineId);
    assertThat(harness.eventReasons("named")).contains("PipelineResolved");
  }

  @Test
  void theArchivedFlagArchivesAndUnarchives() {
    harness.apply(versionRefRun("archive-me", plain(), ""));
    String runId = runIdOf("archive-me");

    harness.edit("archive-me", run -> run.getSpec().setArchived(true));
    harness.awaitRun("archive-me", run -> "ARCHIVED".equals(run.getStatus().getStorageState()));
    assertThat(kfpRun(runId).storageState()).isEqualTo(KfpStorageState.ARCHIVED);

    harness.edit("archive-me", run -> run.getSpec().setArchived(false));
    harness.awaitRun("archive-me", run -> "AVAILABLE".equals(run.getStatus().getStorageState()));
    assertThat(kfpRun(runId).storageState()).isEqualTo(KfpStorageState.AVAILABLE);
    assertThat(harness.eventReasons("archive-me")).contains("Archived", "Unarchived");
  }

  @Test
  void theTerminateAnnotationCancelsTheRun() {
    harness.apply(versionRefRun("stop-me", plain(), ""));
    String runId = runIdOf("stop-me");
    report(runId, "Running");
    harness.awaitState("stop-me", "RUNNING");

    harness.annotate("stop-me", Run.TERMINATE_ANNOTATION, "true");
    harness.awaitRun("stop-me", run -> Boolean.TRUE.equals(run.getStatus().getTerminated()));
    // KFP's terminate marks the run CANCELING (the state column only) and patches the workflow
    harness.awaitState("stop-me", "CANCELING");
    // Argo ends the terminated workflow Failed before the persistence agent reported the patch: KFP's own
    // history then has no CANCELING entry
    report(runId, "Failed");
    Run stopped = harness.awaitRun("stop-me", run -> run.getStatus().condition(RunConditions.SUCCEEDED)
        .map(c -> "False".equals(c.getStatus())).orElse(false));

    assertThat(stopped.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_TERMINATED);
    assertThat(harness.eventReasons("stop-me")).containsOnlyOnce("Terminated");
    // Finding 4 of issue 25: KFP's own history has no CANCELING entry; the status promises every state seen
    assertThat(kfpRun(runId).stateHistory()).extracting(h -> h.state().name()).doesNotContain("CANCELING");
    assertThat(stopped.getStatus().getStateHistory()).extracting(h -> h.state())
        .containsSubsequence("PENDING", "RUNNING", "CANCELING", stopped.getStatus().getState())
        .doesNotHaveDuplicates();
    System.out.println("terminated on KFP's server: KFP state " + kfpRun(runId).state() + ", Run state "
        + stopped.getStatus().getState() + ", history " + stopped.getStatus().getStateHistory().stream()
        .map(h -> h.state()).toList());
  }

  @Test
  void aRetryTokenRetriesAFailedRunOnce() {
    harness.apply(versionRefRun("fail-then-retry", plain(), ""));
    String runId = runIdOf("fail-then-retry");
    report(runId, "Running");
    report(runId, "Failed");
    harness.awaitState("fail-then-retry", "FAILED");

    harness.annotate("fail-then-retry", Run.RETRY_ANNOTATION, "2026-12-05T10:00");
    Run retried = harness.awaitRun("fail-then-retry", run -> "2026-12-05T10:00".equals(run.getStatus()
        .getLastRetry()));
    assertThat(retried.getStatus().isTrue(RunConditions.RETRIED)).isTrue();
    // KFP's retry resubmits the workflow; the persistence agent reports it running again
    report(runId, "Running");
    harness.awaitState("fail-then-retry", "RUNNING");
    report(runId, "Succeeded");
    harness.awaitState("fail-then-retry", "SUCCEEDED");
    assertThat(harness.eventReasons("fail-then-retry")).containsOnlyOnce("Retried");
  }

  @Test
  void aRetryTokenForARunningRunIsRejected() {
    harness.apply(versionRefRun("busy", plain(), ""));
    String runId = runIdOf("busy");
    report(runId, "Running");
    harness.awaitState("busy", "RUNNING");

    harness.annotate("busy", Run.RETRY_ANNOTATION, "t1");
    Run rejected = harness.awaitRun("busy", run -> "t1".equals(run.getStatus().getLastRetry()));

    Condition retried = rejected.getStatus().condition(RunConditions.RETRIED).orElseThrow();
    assertThat(retried.getStatus()).isEqualTo("False");
    assertThat(retried.getReason()).isEqualTo(RunConditions.REASON_RETRY_REJECTED);
    System.out.println("retry of a RUNNING run on KFP's server: " + retried.getMessage());
  }

  @Test
  void deletionWithTheDefaultPolicyTerminatesAndArchives() {
    harness.apply(versionRefRun("archive-on-delete", plain(), ""));
    String runId = runIdOf("archive-on-delete");
    report(runId, "Running");
    harness.awaitState("archive-on-delete", "RUNNING");

    harness.delete("archive-on-delete");
    harness.awaitGone("archive-on-delete");

    KfpRun left = kfpRun(runId);
    assertThat(left.storageState()).isEqualTo(KfpStorageState.ARCHIVED);
    assertThat(left.state()).isEqualTo(KfpRuntimeState.CANCELING);
  }

  @Test
  void deletionWithPolicyDeleteDeletesTheKfpRun() {
    harness.apply(versionRefRun("delete-on-delete", plain(), "deletionPolicy: Delete"));
    String runId = runIdOf("delete-on-delete");

    harness.delete("delete-on-delete");
    harness.awaitGone("delete-on-delete");

    assertThat(kfpRuns()).isEmpty();
    KfpException gone = org.assertj.core.api.Assertions.catchThrowableOfType(KfpException.class,
        () -> kfpRun(runId));
    assertThat(gone).isNotNull();
    assertThat(gone.isNotFound()).isTrue();
  }

  @Test
  void deletionWithPolicyOrphanLeavesTheKfpRunAlone() {
    harness.apply(versionRefRun("orphan-on-delete", plain(), "deletionPolicy: Orphan"));
    String runId = runIdOf("orphan-on-delete");
    harness.awaitState("orphan-on-delete", "PENDING");

    harness.delete("orphan-on-delete");
    harness.awaitGone("orphan-on-delete");
    await().during(OperatorHarness.POLL.multipliedBy(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      KfpRun left = kfpRun(runId);
      assertThat(left.storageState()).isEqualTo(KfpStorageState.AVAILABLE);
      assertThat(left.state()).isEqualTo(KfpRuntimeState.PENDING);
    });
    assertThat(kfpRuns()).hasSize(1);
  }

  @Test
  void aKfpRunDeletedOutsideTheOperatorIsReportedAndNotRecreated() {
    harness.apply(versionRefRun("deleted-outside", plain(), ""));
    String runId = runIdOf("deleted-outside");
    harness.awaitState("deleted-outside", "PENDING");

    harness.client().deleteRun(runId);

    Run orphaned = harness.awaitRun("deleted-outside", run -> run.getStatus().condition(RunConditions.SYNCED)
        .map(c -> "False".equals(c.getStatus())).orElse(false));
    assertThat(orphaned.getStatus().condition(RunConditions.SYNCED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_RUN_DELETED);
    assertThat(orphaned.getStatus().getState()).as("last known state kept").isEqualTo("PENDING");
    await().during(OperatorHarness.POLL.multipliedBy(3)).atMost(Duration.ofSeconds(5))
        .until(() -> kfpRuns().isEmpty());
  }

  /**
   * Finding 3 of issue 25: a create KFP refuses showed only {@code Submitted=False/KfpError}, and no
   * {@code Succeeded}, so {@code kubectl get} had empty SUCCEEDED and REASON columns and {@code kubectl wait
   * --for=condition=Succeeded=False} never saw an outcome.
   */
  @Test
  void aCreateKfpRefusesShowsItsOutcomeInSucceeded() {
    String needsParameters = upload("arguments", CompiledPipelines.yaml("arguments_parameters"));
    harness.apply(versionRefRun("missing-parameter", needsParameters, ""));
    harness.apply(versionRefRun("unknown-pipeline", java.util.UUID.randomUUID().toString(), ""));

    Run refused = awaitRefused("missing-parameter");
    Run unknown = awaitRefused("unknown-pipeline");
    System.out.println("creates KFP's server refused: missing parameter: "
        + refused.getStatus().condition(RunConditions.SUCCEEDED).map(c -> c.getStatus() + "/" + c.getReason() + ": "
            + c.getMessage()).orElse("no Succeeded condition")
        + "; unknown pipeline: " + unknown.getStatus().condition(RunConditions.SUCCEEDED)
            .map(c -> c.getStatus() + "/" + c.getReason() + ": " + c.getMessage()).orElse("no Succeeded condition"));

    // KFP answers 400: refused for good
    Phases.assertCondition(refused, RunConditions.SUCCEEDED, "False", RunConditions.REASON_KFP_ERROR);
    assertThat(refused.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getMessage())
        .contains("not submitted", "param2");
    // KFP 2.17 answers an unknown pipeline with 500 (not 404); after three such answers the operator gives up
    Phases.assertCondition(unknown, RunConditions.SUCCEEDED, "False", RunConditions.REASON_KFP_ERROR);
    assertThat(kfpRuns()).isEmpty();
  }
}
