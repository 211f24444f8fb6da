package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.tiers.MockApiTier;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link PipelinesByNameOperatorTest} on Fabric8's mock Kubernetes API, and those that need
 * no API server's rules.
 */
@MockApiTier
class MockApiPipelinesByNameOperatorTest extends PipelinesByNameOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }

  @Test
  void withoutAVersionNameTheStatusShowsTheLatestVersionKfpChose() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
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
    harness = OperatorHarness.start(backend(), false, simulator -> { });
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
    harness = OperatorHarness.start(backend(), false, simulator -> { });
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
    long versionLists = harness.kfp().calls().count(Endpoint.LIST_PIPELINE_VERSIONS);
    harness.awaitReconciled(harness.touch("ambiguous"));
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
    assertThat(versionLists).as("looked at again at the resync pace only").isBetween(1L, 4L);
  }
}
