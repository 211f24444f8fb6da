package dev.kfp.operator.reconciler.follow;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.lifecycle.RunLifecycle;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the operator keeps the Runs' statuses in step with KFP: which event sources trigger reconciles besides
 * the Runs' own changes, where a reconcile finds the run already read, and when a reconcile asks to be run
 * again. The implementations are in the {@code sync} package: each Run polled on its own, or all of them in
 * bulk lists.
 */
public interface SyncStrategy {

  /** The event sources that trigger reconciles besides changes of the Run itself. */
  List<EventSource<?, Run>> eventSources(EventSourceContext<Run> context);

  /**
   * The KFP run as the status sync has just read it for this Run (its secondary resource), when it is fresh
   * enough to act on; empty when the reconcile should read it from KFP itself.
   *
   * @throws KfpException the failure of the list that should have read it, handed on so that the reconcile
   *     reports it without a call of its own
   */
  Optional<KfpRun> latestRead(Run run, Context<Run> context);

  /**
   * The reconcile read {@code kfpRun} from KFP itself (a GET, a create, an adoption): the sync takes it as the
   * latest read, so that an older list answer cannot replace it.
   */
  void readByReconcile(KfpRun kfpRun);

  /**
   * True when this Run's status, showing a finished KFP run recorded in full, may stand without a read: the
   * sync itself lists the settled runs on its resync (a change made in KFP, even while the operator was down,
   * reaches the Run that way), and it holds no read of this run that the status has not recorded yet, nor a
   * request for one (a run its count found missing).
   */
  boolean keepsSettledRunInStep(Run run);

  /**
   * The reconcile's status write succeeded (or had nothing to write): whatever it read of this Run's KFP run is
   * recorded.
   */
  void recorded(Run run);

  /** After a successful look: when the reconcile should run again; empty when the sync triggers it. */
  Optional<Duration> nextLook(RunLifecycle lifecycle);

  /** True when a failed list is listed again by the sync itself, so the reconcile it triggered need not. */
  boolean retriesFailedLists();
}
