package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.reconciler.OperatorHarness.Backend;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.pipeline.versionRef} by name end to end: a JOSDK operator (bulk sync) on the Kubernetes API of each
 * subclass, against the KFP simulator, with the KFP calls counted. The resolution costs one GetPipelineByName and
 * at most one ListPipelineVersions per submission, and none once the KFP run exists. A PipelineVersion object of
 * KFP's Kubernetes-native mode is read from the real API server, under a minimal CRD of our own
 * ({@link OperatorHarness#installPipelineVersionCrd}).
 */
abstract class PipelinesByNameOperatorTest {

  static final String SPEC = """
      schemaVersion: 2.1.0
      pipelineInfo: {name: train}
      root: {dag: {tasks: {}}}
      """;

  OperatorHarness harness;

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract Backend backend();

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  Run applyByName(String name, String ref) {
    return harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: %s}
        spec:
          pipeline: {versionRef: {%s}}
        """.formatted(name, OperatorHarness.NAMESPACE, ref));
  }

  PipelineVersionReference kfpReferenceOf(Run run) {
    return harness.client().getRun(run.getStatus().getRunId()).pipelineVersionReference();
  }

  @Test
  void aRunByPipelineAndVersionNameRunsThatVersionAndAsksOnlyOnce() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
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

}
