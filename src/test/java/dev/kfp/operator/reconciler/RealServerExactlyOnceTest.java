package dev.kfp.operator.reconciler;

/**
 * Every specification of {@link ExactlyOnceTest} again, on the real kube-apiserver (CRD schema and CEL rules, RBAC,
 * real watches) instead of the mock.
 */
class RealServerExactlyOnceTest extends ExactlyOnceTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }
}
