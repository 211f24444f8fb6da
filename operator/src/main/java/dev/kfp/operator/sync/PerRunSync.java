package dev.kfp.operator.sync;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.lifecycle.RunLifecycle;
import dev.kfp.operator.reconciler.follow.SyncStrategy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Per-run status sync ({@code SYNC_MODE=per-run}): every reconcile reads its run with a GET and reschedules
 * itself, after the poll interval while the run is active and after the resync interval once it is settled.
 * Its one event source, {@link SubmissionResync}, triggers the Runs without a run id on every resync, since
 * nothing reschedules a Run whose reconciles failed until JOSDK gave up.
 */
public final class PerRunSync implements SyncStrategy {

  private final Duration pollInterval;
  private final Duration resyncInterval;

  public PerRunSync(Duration pollInterval, Duration resyncInterval) {
    this.pollInterval = pollInterval;
    this.resyncInterval = resyncInterval;
  }

  @Override
  public List<EventSource<?, Run>> eventSources(EventSourceContext<Run> context) {
    return List.of(new SubmissionResync(context.getPrimaryCache(), resyncInterval));
  }

  @Override
  public Optional<KfpRun> latestRead(Run run, Context<Run> context) {
    return Optional.empty();
  }

  @Override
  public void readByReconcile(KfpRun kfpRun) {
    // Nothing is kept: the next reconcile reads the run again.
  }

  /** False: nothing else lists the run, so every reconcile reads it. */
  @Override
  public boolean keepsSettledRunInStep(Run run) {
    return false;
  }

  @Override
  public void recorded(Run run) {
    // Nothing is kept.
  }

  @Override
  public Optional<Duration> nextLook(RunLifecycle lifecycle) {
    return Optional.of(lifecycle.isSettled() ? resyncInterval : pollInterval);
  }

  @Override
  public boolean retriesFailedLists() {
    return false;
  }
}
