package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.MockApiTier;

/**
 * Every lifecycle specification again on the mock, with the operator reading each active run by GET
 * (SYNC_MODE=per-run).
 */
@MockApiTier
class PerRunLifecycleTest extends RunLifecycleTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }

  @Override
  boolean pollsEachRun() {
    return true;
  }
}
