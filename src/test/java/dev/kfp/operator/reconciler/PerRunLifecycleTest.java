package dev.kfp.operator.reconciler;

/** Every lifecycle specification again, with the operator reading each active run by GET (SYNC_MODE=per-run). */
class PerRunLifecycleTest extends RunLifecycleTest {

  @Override
  boolean pollsEachRun() {
    return true;
  }
}
