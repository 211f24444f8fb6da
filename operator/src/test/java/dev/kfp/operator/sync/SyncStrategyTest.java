package dev.kfp.operator.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.lifecycle.RunLifecycle;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * When a reconcile asks to run again after a successful look, per strategy: per-run sync polls an active run and
 * resyncs a settled one; the bulk sync never reschedules, because its lists trigger the reconciles.
 */
class SyncStrategyTest {

  private static final Duration POLL = Duration.ofSeconds(5);
  private static final Duration RESYNC = Duration.ofMinutes(10);

  private static RunLifecycle lifecycle(String state) {
    RunStatus status = new RunStatus();
    status.setRunId("run-1");
    status.setState(state);
    return RunLifecycle.of(status);
  }

  private static RunLifecycle deletedInKfp() {
    RunStatus status = new RunStatus();
    status.setRunId("run-1");
    status.setState("RUNNING");
    status.putCondition(new ConditionBuilder().withType(RunConditions.SYNCED).withStatus("False")
        .withReason(RunConditions.REASON_RUN_DELETED).build());
    return RunLifecycle.of(status);
  }

  @Test
  void perRunSyncPollsAnActiveRunAndResyncsASettledOne() {
    PerRunSync sync = new PerRunSync(POLL, RESYNC);

    assertThat(sync.nextLook(lifecycle("PENDING"))).hasValue(POLL);
    assertThat(sync.nextLook(lifecycle("RUNNING"))).hasValue(POLL);
    assertThat(sync.nextLook(lifecycle("CANCELING"))).as("not finished yet").hasValue(POLL);
    assertThat(sync.nextLook(lifecycle("SUCCEEDED"))).hasValue(RESYNC);
    assertThat(sync.nextLook(lifecycle("FAILED"))).hasValue(RESYNC);
    assertThat(sync.nextLook(deletedInKfp())).hasValue(RESYNC);
    assertThat(sync.retriesFailedLists()).as("it never lists").isFalse();
  }

  @Test
  void bulkSyncNeverReschedulesAReconcile() {
    BulkSync sync = new BulkSync(KfpClientProvider.shared(null), POLL, RESYNC);

    assertThat(sync.nextLook(lifecycle("RUNNING"))).isEmpty();
    assertThat(sync.nextLook(lifecycle("SUCCEEDED"))).isEmpty();
    assertThat(sync.nextLook(deletedInKfp())).isEmpty();
    assertThat(sync.retriesFailedLists()).isTrue();
  }
}
