package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.RealApiTier;

/**
 * Every specification of {@link FailureDiagnosticsTest} again, on the real kube-apiserver (CRD schema and CEL rules, RBAC,
 * real watches) instead of the mock.
 */
@RealApiTier
class RealServerFailureDiagnosticsTest extends FailureDiagnosticsTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }
}
