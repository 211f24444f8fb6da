package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.MockApiTier;

/** Every specification of {@link FailureDiagnosticsTest} on Fabric8's mock Kubernetes API. */
@MockApiTier
class MockApiFailureDiagnosticsTest extends FailureDiagnosticsTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }
}
