package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.reconciler.OperatorHarness.Backend;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code spec.pipeline.versionRef} by name end to end: a JOSDK operator (bulk sync) on the real API server and on
 * the mock, against the KFP simulator, with the KFP calls counted. The resolution costs one GetPipelineByName and
 * at most one ListPipelineVersions per submission, and none once the KFP run exists. A PipelineVersion object of
 * KFP's Kubernetes-native mode is read from the real API server, under a minimal CRD of our own
 * ({@link OperatorHarness#installPipelineVersionCrd}).
 */
class PipelinesByNameOperatorTest {

  private static final String SPEC = """
      schemaVersion: 2.1.0
      pipelineInfo: {name: train}
      root: {dag: {tasks: {}}}
      """;

  private OperatorHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private Run applyByName(String name, String ref) {
    return harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: %s}
        spec:
          pipeline: {versionRef: {%s}}
        """.formatted(name, OperatorHarness.NAMESPACE, ref));
  }

  private PipelineVersionReference kfpReferenceOf(Run run) {
    return harness.client().getRun(run.getStatus().getRunId()).pipelineVersionReference();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aRunByPipelineAndVersionNameRunsThatVersionAndAsksOnlyOnce(Backend backend) {
    harness = OperatorHarness.start(backend, false, simulator -> { });
    PipelineVersion v1 = harness.kfp().registerPipeline("train", SPEC);
    PipelineVersion v2 = harness.kfp().registerPipelineVersion(v1.pipelineId(), "v2", SPEC);
    harness.kfp().registerPipelineVersion(v1.pipelineId(), "v3", SPEC);

    applyByName("by-name", "pipelineName: train, versionName: v2");

    Run pending = harness.awaitState("by-name", "PENDING");
    assertThat(pending.getStatus().getPipelineId()).isEqualTo(v1.pipelineId());
    assertThat(pending.getStatus().getPipelineVersionId()).isEqualTo(v2.pipelineVersionId());
    assertThat(kfpReferenceOf(pending).pipelineVersionId()).as("the version KFP runs")
        .isEqualTo(v2.pipelineVersionId());
    assertThat(harness.eventReasons("by-name")).contains("PipelineResolved");
    harness.clock.advance(OperatorHarness.TIMING.pending().plus(OperatorHarness.TIMING.running()));
    harness.awaitState("by-name", "SUCCEEDED");
    assertThat(harness.kfp().calls().count(Endpoint.GET_PIPELINE_BY_NAME)).isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.LIST_PIPELINE_VERSIONS)).isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }

  @Test
  void withoutAVersionNameTheStatusShowsTheLatestVersionKfpChose() {
    harness = OperatorHarness.start(Backend.MOCK, false, simulator -> { });
    PipelineVersion v1 = harness.kfp().registerPipeline("train", SPEC);
    PipelineVersion latest = harness.kfp().registerPipelineVersion(v1.pipelineId(), "v2", SPEC);

    applyByName("latest", "pipelineName: train");

    Run pending = harness.awaitState("latest", "PENDING");
    assertThat(pending.getStatus().getPipelineId()).isEqualTo(v1.pipelineId());
    assertThat(pending.getStatus().getPipelineVersionId()).isEqualTo(latest.pipelineVersionId());
    assertThat(harness.kfp().calls().count(Endpoint.GET_PIPELINE_BY_NAME)).isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.LIST_PIPELINE_VERSIONS)).isZero();
  }

  @Test
  void aPipelineUploadedAfterTheRunIsFoundAtTheNextResync() {
    harness = OperatorHarness.start(Backend.MOCK, false, simulator -> { });
    applyByName("early", "pipelineName: later");
    Run waiting = harness.awaitRun("early", run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED)
            .map(c -> RunConditions.REASON_INVALID_SPEC.equals(c.getReason())).orElse(false));
    assertThat(waiting.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getStatus())
        .as("it may resolve itself").isEqualTo("Unknown");
    assertThat(harness.eventReasons("early")).contains(RunConditions.REASON_INVALID_SPEC);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();

    PipelineVersion uploaded = harness.kfp().registerPipeline("later", SPEC);

    Run pending = await().atMost(OperatorHarness.RESYNC.multipliedBy(5))
        .until(() -> harness.get("early"), run -> "PENDING".equals(run.getStatus().getState()));
    assertThat(pending.getStatus().getPipelineId()).isEqualTo(uploaded.pipelineId());
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }

  @Test
  void anAmbiguousVersionNameCreatesNothing() {
    harness = OperatorHarness.start(Backend.MOCK, false, simulator -> { });
    PipelineVersion v1 = harness.kfp().registerPipeline("train", SPEC);
    harness.kfp().registerPipelineVersion(v1.pipelineId(), "nightly", SPEC);
    harness.kfp().registerPipelineVersion(v1.pipelineId(), "nightly", SPEC);

    applyByName("ambiguous", "pipelineName: train, versionName: nightly");

    Run refused = harness.awaitRun("ambiguous", run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED)
            .map(c -> RunConditions.REASON_INVALID_SPEC.equals(c.getReason())).orElse(false));
    assertThat(refused.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getMessage())
        .contains("has 2 versions with display name 'nightly'");
    await().pollDelay(OperatorHarness.RESYNC.multipliedBy(2)).atMost(Duration.ofSeconds(10)).until(() -> true);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
    assertThat(harness.kfp().calls().count(Endpoint.LIST_PIPELINE_VERSIONS))
        .as("looked at again at the resync pace only").isBetween(1L, 4L);
  }

  /** The UID of a PipelineVersion object (and of its Pipeline owner) reaches KFP's create. */
  @Test
  void aPipelineVersionObjectsUidsReachTheCreate() {
    harness = OperatorHarness.start(Backend.REAL, false, simulator -> { });
    harness.installPipelineVersionCrd();
    String pipelineUid = UUID.randomUUID().toString();
    String versionUid = harness.createPipelineVersion("train-v1", pipelineUid);

    applyByName("by-object", "pipelineVersionObject: train-v1");

    Run pending = harness.awaitState("by-object", "PENDING");
    assertThat(kfpReferenceOf(pending)).isEqualTo(new PipelineVersionReference(pipelineUid, versionUid));
    assertThat(pending.getStatus().getPipelineVersionId()).isEqualTo(versionUid);
    assertThat(harness.kfp().calls().count(Endpoint.GET_PIPELINE_BY_NAME)).isZero();
  }
}
