package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.RealApiTier;

/**
 * Every specification of {@link InvalidManifestsOperatorTest} again, on the real kube-apiserver (CRD schema and CEL rules, RBAC,
 * real watches) instead of the mock. The manifests the server does not store as written (refused by the CRD, or a null parameter it drops) are
 * shown so instead.
 */
@RealApiTier
class RealServerInvalidManifestsOperatorTest extends InvalidManifestsOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }
}
