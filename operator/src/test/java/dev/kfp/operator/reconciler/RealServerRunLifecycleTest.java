package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.RealApiTier;

/**
 * Every specification of {@link RunLifecycleTest} again, on the real kube-apiserver (CRD schema and CEL rules, RBAC,
 * real watches) instead of the mock.
 */
@RealApiTier
class RealServerRunLifecycleTest extends RunLifecycleTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }
}
