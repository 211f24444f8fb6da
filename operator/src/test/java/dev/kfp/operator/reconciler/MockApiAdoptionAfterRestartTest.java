package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.MockApiTier;

/** {@link AdoptionAfterRestartTest} on Fabric8's mock Kubernetes API and the simulator. */
@MockApiTier
class MockApiAdoptionAfterRestartTest extends AdoptionAfterRestartTest {

  @Override
  OperatorHarness startHarness() {
    return OperatorHarness.start(OperatorHarness.Backend.MOCK, false, simulator -> { });
  }

  @Override
  String registerPlainPipeline() {
    return harness.registerPlainPipeline().pipelineId();
  }
}
