package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.RealApiTier;

/** Every specification of {@link SuspendAndDeadlineOperatorTest} on the real kube-apiserver. */
@RealApiTier
class RealServerSuspendAndDeadlineOperatorTest extends SuspendAndDeadlineOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }
}
