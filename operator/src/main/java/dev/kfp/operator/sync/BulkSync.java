package dev.kfp.operator.sync;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpClientProvider;
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
 * Bulk status sync ({@code SYNC_MODE=bulk}): one {@link BulkStatusPoller} lists the runs of all Runs and
 * triggers a reconcile only for those KFP changed, handing the run it read over as the Run's secondary
 * resource. A reconcile therefore never reschedules itself to poll; it reschedules only to retry. Runs without a
 * run id are triggered again on every resync by {@link SubmissionResync}.
 */
public final class BulkSync implements SyncStrategy {

  private final KfpClientProvider kfp;
  private final Duration pollInterval;
  private final Duration resyncInterval;
  /**
   * A reconcile the sync triggers usually runs within milliseconds, but on a loaded machine it may wait for a
   * reconcile thread; an interval is ample, and the next list of the run comes no sooner.
   */
  private final FreshRuns fresh;
  private volatile BulkStatusPoller poller;

  public BulkSync(KfpClientProvider kfp, Duration pollInterval, Duration resyncInterval) {
    this.kfp = kfp;
    this.pollInterval = pollInterval;
    this.resyncInterval = resyncInterval;
    this.fresh = new FreshRuns(pollInterval);
  }

  @Override
  public List<EventSource<?, Run>> eventSources(EventSourceContext<Run> context) {
    poller = new BulkStatusPoller(context.getPrimaryCache(), kfp, fresh, pollInterval, resyncInterval);
    return List.of(poller, new SubmissionResync(context.getPrimaryCache(), resyncInterval));
  }

  @Override
  public Optional<KfpRun> latestRead(Run run, Context<Run> context) {
    fresh.rethrowFailure(run.getStatus().getRunId());
    Optional<KfpRun> read = context.getSecondaryResource(KfpRun.class)
        .filter(kfpRun -> kfpRun.runId().equals(run.getStatus().getRunId()));
    read.ifPresent(fresh::taken);
    return read;
  }

  @Override
  public void readByReconcile(KfpRun kfpRun) {
    fresh.readByReconcile(kfpRun.runId());
  }

  @Override
  public boolean keepsSettledRunInStep(Run run) {
    return !fresh.readOwed(run.getStatus().getRunId());
  }

  @Override
  public void recorded(Run run) {
    fresh.recorded(run.getStatus().getRunId());
  }

  @Override
  public Optional<Duration> nextLook(RunLifecycle lifecycle) {
    return Optional.empty();
  }

  @Override
  public boolean retriesFailedLists() {
    return true;
  }

  /** The poller, once JOSDK has asked for the event sources. */
  public Optional<BulkStatusPoller> poller() {
    return Optional.ofNullable(poller);
  }
}
