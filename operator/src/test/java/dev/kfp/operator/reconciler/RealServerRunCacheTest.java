package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.RealApiTier;

/** Every specification of {@link RunCacheTest} on the real kube-apiserver (managedFields, CEL rules, real watches). */
@RealApiTier
class RealServerRunCacheTest extends RunCacheTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }
}
