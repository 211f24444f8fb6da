package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.RealApiTier;

/** {@link AdoptionAfterRestartTest} on the real kube-apiserver and the simulator. */
@RealApiTier
class RealServerAdoptionAfterRestartTest extends AdoptionAfterRestartTest {

  @Override
  OperatorHarness startHarness() {
    return OperatorHarness.start(OperatorHarness.Backend.REAL, false, simulator -> { });
  }

  @Override
  String registerPlainPipeline() {
    return harness.registerPlainPipeline().pipelineId();
  }
}
