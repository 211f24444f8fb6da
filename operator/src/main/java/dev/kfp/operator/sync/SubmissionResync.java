package dev.kfp.operator.sync;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.lifecycle.RunLifecycle;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every resync interval, triggers a reconcile of each Run that has no KFP run id and is not waiting for the
 * user, in both sync modes. Its reconcile meant to come back (a create in doubt, a failed attempt), but a
 * reschedule lives in the memory of one instance and is lost when it stops, JOSDK gives up rescheduling after
 * its retries are spent (then waits 10 hours), and a late write may have erased the run id without an event
 * (status-only updates are filtered). Reads the informer cache only; costs no Kubernetes or KFP call itself.
 */
public final class SubmissionResync extends PeriodicRunSource<Void> {

  private static final Logger LOG = LoggerFactory.getLogger(SubmissionResync.class);

  private final IndexerResourceCache<Run> cache;
  private final Duration interval;
  private final AtomicLong triggers = new AtomicLong();

  public SubmissionResync(IndexerResourceCache<Run> cache, Duration interval) {
    super(Void.class, "submission-resync");
    this.cache = cache;
    this.interval = interval;
  }

  @Override
  Duration period() {
    return interval;
  }

  @Override
  public Set<Void> getSecondaryResources(Run primary) {
    return Set.of();
  }

  /** Reconciles triggered so far. */
  public long triggers() {
    return triggers.get();
  }

  @Override
  void look() {
    try {
      cache.list()
          .filter(run -> !run.isMarkedForDeletion() && RunLifecycle.of(run.getStatus()).awaitsSubmission())
          .forEach(run -> {
            triggers.incrementAndGet();
            trigger(ResourceID.fromResource(run));
          });
    } catch (RuntimeException e) {
      LOG.warn("submission resync failed; the next one tries again", e);
    }
  }
}
