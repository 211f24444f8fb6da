package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.MockApiTier;

/** Every specification of {@link RunLifecycleTest} on Fabric8's mock Kubernetes API. */
@MockApiTier
class MockApiRunLifecycleTest extends RunLifecycleTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }
}
