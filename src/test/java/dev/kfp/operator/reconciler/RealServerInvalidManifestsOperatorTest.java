package dev.kfp.operator.reconciler;

/**
 * Every specification of {@link InvalidManifestsOperatorTest} again, on the real kube-apiserver (CRD schema and CEL rules, RBAC,
 * real watches) instead of the mock.
 */
class RealServerInvalidManifestsOperatorTest extends InvalidManifestsOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }
}
