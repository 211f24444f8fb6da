package dev.kfp.operator.reconciler.cleanup;

import static dev.kfp.operator.api.RunConditions.SUBMITTED;

import dev.kfp.operator.api.DeletionPolicy;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.api.SubmissionClaim;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.lifecycle.RunLifecycle;
import dev.kfp.operator.reconciler.follow.FailureDiagnostician;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.phase.RetrySchedule;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import dev.kfp.operator.reconciler.submit.MarkerSearch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The cleanup phase: applies a deleted Run's deletion policy to its KFP run (terminate it if active, then
 * archive or delete it) before the finalizer goes. A Run whose create may still be running in KFP keeps its
 * finalizer until that create would have shown, so its run gets the policy too; a failed call keeps it until
 * the policy could be carried out.
 */
public final class RunCleanup {

  private final KfpClientProvider kfpClients;
  private final MarkerSearch markers;
  private final StatusRecorder recorder;
  private final FailureDiagnostician diagnostician;
  private final RetrySchedule retries;
  private final Duration createWindow;
  private final Clock clock;

  public RunCleanup(KfpClientProvider kfpClients, MarkerSearch markers, StatusRecorder recorder,
      FailureDiagnostician diagnostician, RetrySchedule retries, Duration createWindow, Clock clock) {
    this.kfpClients = kfpClients;
    this.markers = markers;
    this.recorder = recorder;
    this.diagnostician = diagnostician;
    this.retries = retries;
    this.createWindow = createWindow;
    this.clock = clock;
  }

  /**
   * Applies the deletion policy. The finalizer may go when the result asks for no further look; a result that
   * says when to look again keeps it until then.
   */
  public PhaseResult cleanup(Run run) {
    String key = run.getMetadata().getUid();
    DeletionPolicy policy = run.getSpec() == null ? DeletionPolicy.Archive
        : run.getSpec().effectiveDeletionPolicy().orElse(DeletionPolicy.Archive);
    try {
      if (policy == DeletionPolicy.Orphan) {
        return done(run);
      }
      Instant searchStarted = clock.instant();
      String runId = runIdForCleanup(run);
      if (runId == null) {
        SubmissionClaim claim = run.getStatus() == null ? null : run.getStatus().getClaim();
        if (claim != null && claim.isLive(searchStarted, createWindow)) {
          // A create may still be running in KFP; its run must get the deletion policy when it shows.
          Instant until = claim.liveUntil(createWindow);
          recorder.log(run, "create attempt " + claim.attempt() + " may still be running in KFP; the finalizer "
              + "stays until " + until);
          return PhaseResult.lookAgainIn(retries.whileClaimLive(key, until, clock.instant()));
        }
        return done(run);
      }
      applyPolicy(run, runId, policy);
      recorder.log(run, "cleaned up KFP run " + runId + " with policy " + policy);
      return done(run);
    } catch (KfpException e) {
      if (e.isNotFound()) {
        return done(run);
      }
      recorder.warning(run, EventReason.DELETION_BLOCKED, "deletion policy " + policy + " could not be "
          + "carried out, the finalizer stays until it is: " + e.getMessage());
      return PhaseResult.lookAgainIn(retries.soon(key));
    }
  }

  /**
   * Applies the deletion policy to a KFP run: terminates it if it is active, then deletes it (Delete) or
   * archives it (Archive); Orphan leaves it as it is. Says what it did.
   *
   * @throws KfpException as KFP refused; not found when KFP no longer has the run
   */
  String applyPolicy(Run run, String runId, DeletionPolicy policy) {
    if (policy == DeletionPolicy.Orphan) {
      return "KFP run " + runId + " is left as it is (deletion policy Orphan)";
    }
    KfpRun kfpRun = kfp(run).getRun(runId);
    if (RunLifecycle.stateOf(kfpRun).isTerminable()) {
      try {
        kfp(run).terminateRun(runId);
      } catch (KfpException e) {
        if (!e.isBadRequest()) {
          throw e;
        }
      }
    }
    if (policy == DeletionPolicy.Delete) {
      kfp(run).deleteRun(runId);
      recorder.normal(run, EventReason.DELETED, "deleted KFP run " + runId);
      return "KFP run " + runId + " was deleted (deletion policy Delete)";
    }
    if (!RunLifecycle.isArchived(kfpRun)) {
      kfp(run).archiveRun(runId);
      recorder.normal(run, EventReason.ARCHIVED, "archived KFP run " + runId + " (deletion policy Archive)");
    }
    return "KFP run " + runId + " is archived (deletion policy Archive)";
  }

  private PhaseResult done(Run run) {
    retries.reset(run.getMetadata().getUid());
    diagnostician.forget(run);
    return PhaseResult.NONE;
  }

  /** The run to clean up: the recorded one, or one created by a create whose answer was lost. */
  private String runIdForCleanup(Run run) {
    RunStatus status = run.getStatus();
    if (status != null && status.getRunId() != null) {
      return status.getRunId();
    }
    boolean neverValid = status != null && status.condition(SUBMITTED)
        .map(c -> RunConditions.REASON_INVALID_SPEC.equals(c.getReason())).orElse(false);
    if (neverValid || run.getSpec() == null) {
      return null;
    }
    String experimentId = run.getSpec().getExperimentId();
    return markers.find(run, experimentId == null || experimentId.isEmpty() ? null : experimentId)
        .map(KfpRun::runId).orElse(null);
  }

  private KfpClient kfp(Run run) {
    return kfpClients.forNamespace(run.getMetadata().getNamespace());
  }
}
