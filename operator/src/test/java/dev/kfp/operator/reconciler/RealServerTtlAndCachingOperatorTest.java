package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.RealApiTier;

/** Every specification of {@link TtlAndCachingOperatorTest} on the real kube-apiserver. */
@RealApiTier
class RealServerTtlAndCachingOperatorTest extends TtlAndCachingOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }
}
