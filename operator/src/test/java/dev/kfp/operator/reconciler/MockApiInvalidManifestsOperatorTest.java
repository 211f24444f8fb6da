package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.MockApiTier;

/** Every specification of {@link InvalidManifestsOperatorTest} on Fabric8's mock Kubernetes API. */
@MockApiTier
class MockApiInvalidManifestsOperatorTest extends InvalidManifestsOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }
}
