package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.MockApiTier;

/** Every specification of {@link ExactlyOnceTest} on Fabric8's mock Kubernetes API. */
@MockApiTier
class MockApiExactlyOnceTest extends ExactlyOnceTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }
}
