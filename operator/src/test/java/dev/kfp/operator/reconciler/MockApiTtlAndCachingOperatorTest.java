package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.simulator.RunSnapshot;
import dev.kfp.operator.simulator.StorageState;
import dev.kfp.operator.tiers.MockApiTier;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link TtlAndCachingOperatorTest} on Fabric8's mock Kubernetes API, and the TTL with per-run
 * sync.
 */
@MockApiTier
class MockApiTtlAndCachingOperatorTest extends TtlAndCachingOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }

  @Test
  void perRunSyncDeletesTheRunAfterItsTtlToo() {
    harness = OperatorHarness.start(backend(), true, simulator -> { });
    String runId = submit("per-run", harness.registerPlainPipeline(), "ttlSecondsAfterFinished: 2");

    finish("per-run");
    harness.awaitGone("per-run");

    assertThat(harness.kfp().run(runId).map(RunSnapshot::storageState)).contains(StorageState.ARCHIVED);
  }
}
