package dev.kfp.operator.reconciler.cleanup;

import dev.kfp.operator.api.DeletionPolicy;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.lifecycle.RunLifecycle;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.phase.RetrySchedule;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder.Notice;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * {@code spec.ttlSecondsAfterFinished}, as Kubernetes Jobs have it: that long after the KFP run finished
 * ({@code status.finishedAt}, KFP's {@code finished_at}), the Run is to be deleted, and its deletion policy then
 * applies to the KFP run through the finalizer ({@link RunCleanup}). A Run that a GitOps tool tracks
 * ({@link GitOpsTracking}) is kept, since the tool would create it again as a new run: the deletion policy is
 * applied to the KFP run here, once, and the {@code Cleaned} condition says so. The TTL counts only from a look
 * that succeeded, so a retry KFP accepted but the operator did not see yet is not cut short.
 */
public final class TtlAfterFinished {

  private final RunCleanup cleanup;
  private final StatusRecorder recorder;
  private final RetrySchedule retries;
  private final Long defaultSeconds;
  private final Clock clock;

  /** @param defaultSeconds the TTL of Runs that do not set one (TTL_SECONDS_AFTER_FINISHED), or null for none */
  public TtlAfterFinished(RunCleanup cleanup, StatusRecorder recorder, RetrySchedule retries, Long defaultSeconds,
      Clock clock) {
    this.cleanup = cleanup;
    this.recorder = recorder;
    this.retries = retries;
    this.defaultSeconds = defaultSeconds;
    this.clock = clock;
  }

  /** After a look at the KFP run: says whether its TTL is over (delete the Run), and else when it will be. */
  public PhaseResult check(Run run) {
    RunStatus status = run.getStatus();
    RunLifecycle lifecycle = RunLifecycle.of(status);
    Long seconds = ttlSeconds(run);
    boolean lookSucceeded = status.isTrue(RunConditions.SYNCED) || lifecycle.isRunDeletedInKfp();
    Instant finished = finishedAt(status);
    if (seconds == null || seconds < 0 || lifecycle.isCleaned() || !lifecycle.isFinished() || !lookSucceeded
        || finished == null) {
      return PhaseResult.NONE;
    }
    Instant expiry = finished.plusSeconds(seconds);
    Duration left = Duration.between(clock.instant(), expiry);
    if (!left.isNegative() && !left.isZero()) {
      return PhaseResult.lookAgainIn(left);
    }
    DeletionPolicy policy = run.getSpec().effectiveDeletionPolicy().orElse(DeletionPolicy.Archive);
    String passed = (run.getSpec().getTtlSecondsAfterFinished() != null ? "spec.ttlSecondsAfterFinished"
        : "the operator's default TTL_SECONDS_AFTER_FINISHED") + " (" + seconds + " s) passed at " + expiry
        + " (KFP run " + status.getRunId() + " finished at " + finished + ")";
    Optional<String> tracker = GitOpsTracking.trackedBy(run);
    if (tracker.isEmpty()) {
      recorder.normal(run, EventReason.EXPIRED, passed + ": deleting the Run; its deletion policy "
          + policy + " applies to the KFP run");
      return PhaseResult.deleteTheRun();
    }
    String done;
    try {
      done = cleanup.applyPolicy(run, status.getRunId(), policy);
    } catch (KfpException e) {
      if (!e.isNotFound()) {
        recorder.unsynced(run, e);
        String key = run.getMetadata().getUid();
        return PhaseResult.lookAgainIn(e.isRetryable() ? retries.afterError(key, e) : retries.afterRefusal(key));
      }
      done = "KFP run " + status.getRunId() + " no longer exists";
    }
    if (policy == DeletionPolicy.Archive) {
      status.setStorageState(KfpStorageState.ARCHIVED.name());
    }
    recorder.condition(run, RunConditions.CLEANED, "True", EventReason.KEPT_FOR_GITOPS, passed + ". "
        + done + ". The Run is kept, not deleted: " + tracker.get() + " tracks it and would create it again, as a"
        + " new KFP run. The operator no longer follows the KFP run; remove the Run from Git and let the tool"
        + " prune it to delete it", Notice.NORMAL);
    return PhaseResult.NONE;
  }

  /**
   * True when the Run's time to live after finishing, as its status shows the finish, is over: {@link #check}
   * will act on the KFP run, so the look before it must read the run (a retry KFP accepted meanwhile cancels
   * the expiry).
   */
  public boolean isOver(Run run) {
    Long seconds = ttlSeconds(run);
    Instant finished = finishedAt(run.getStatus());
    return seconds != null && seconds >= 0 && finished != null
        && !clock.instant().isBefore(finished.plusSeconds(seconds));
  }

  private Long ttlSeconds(Run run) {
    return run.getSpec().getTtlSecondsAfterFinished() != null ? run.getSpec().getTtlSecondsAfterFinished()
        : defaultSeconds;
  }

  private static Instant finishedAt(RunStatus status) {
    try {
      return status.getFinishedAt() == null ? null : Instant.parse(status.getFinishedAt());
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
