package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.tiers.RealApiTier;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link PipelinesByNameOperatorTest} on the real kube-apiserver, and a PipelineVersion object
 * of KFP's Kubernetes-native mode read from it.
 */
@RealApiTier
class RealServerPipelinesByNameOperatorTest extends PipelinesByNameOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }

  /** The UID of a PipelineVersion object (and of its Pipeline owner) reaches KFP's create. */
  @Test
  void aPipelineVersionObjectsUidsReachTheCreate() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
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
