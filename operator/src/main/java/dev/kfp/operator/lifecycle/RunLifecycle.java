package dev.kfp.operator.lifecycle;

import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a Run's status means: which KFP states are finished, which condition reasons a later look can clear,
 * when a Run still waits for its KFP run. The reconciler and the status sync both decide from this type, so a
 * lifecycle rule changes in one place.
 */
public final class RunLifecycle {

  /** Reasons of a Run without a KFP run that the operator will submit without anyone changing anything. */
  private static final Set<String> AWAITING_SUBMISSION = Set.of(RunConditions.REASON_CREATE_IN_DOUBT,
      RunConditions.REASON_QUEUED, RunConditions.REASON_QUEUE_NOT_FOUND);
  /** {@code Submitted=False} reasons of a refusal that is final when {@code Succeeded} is False too. */
  private static final Set<String> REFUSED_WITH_AN_OUTCOME = Set.of(RunConditions.REASON_KFP_ERROR,
      RunConditions.REASON_INVALID_SPEC);
  /**
   * {@code Synced=False} reasons that a later look at KFP can clear by itself: KFP was unreachable or answered
   * nonsense. The others (KfpError, Unauthorized, CommandRefused, RunDeletedInKfp) wait for a person, and
   * are looked at again only on the reconciler's slower schedule.
   */
  private static final Set<String> PASSING_SYNC_FAILURES = Set.of(RunConditions.REASON_KFP_UNREACHABLE,
      RunConditions.REASON_KFP_BAD_ANSWER);

  private final RunStatus status;

  private RunLifecycle(RunStatus status) {
    this.status = status;
  }

  /** The lifecycle a status shows; {@code status} may be null (a Run never reconciled). */
  public static RunLifecycle of(RunStatus status) {
    return new RunLifecycle(status);
  }

  /** The state of a KFP run; an absent one is KFP's proto default, {@code RUNTIME_STATE_UNSPECIFIED}. */
  public static KfpRuntimeState stateOf(KfpRun run) {
    return run.state() == null ? KfpRuntimeState.RUNTIME_STATE_UNSPECIFIED : run.state();
  }

  /** True when KFP's storage state says the run is archived. */
  public static boolean isArchived(KfpRun run) {
    return run.storageState() == KfpStorageState.ARCHIVED;
  }

  /** The KFP state the status shows, when it shows one this operator knows. */
  public Optional<KfpRuntimeState> state() {
    if (status == null || status.getState() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(KfpRuntimeState.valueOf(status.getState()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** True when the status has the id of a KFP run. */
  public boolean hasRun() {
    return status != null && status.getRunId() != null;
  }

  /** True once the KFP run has finished: KFP will not change its state by itself any more. */
  public boolean isFinished() {
    return state().map(KfpRuntimeState::isTerminal).orElse(false);
  }

  /** True when the last look found the KFP run deleted outside the operator; it is never recreated. */
  public boolean isRunDeletedInKfp() {
    return syncedFalseBecause(Set.of(RunConditions.REASON_RUN_DELETED));
  }

  /**
   * True once spec.ttlSecondsAfterFinished applied the deletion policy to the KFP run of a Run kept for GitOps:
   * the operator does not follow that run any more (it may be deleted, and a read would find it gone).
   */
  public boolean isCleaned() {
    return status != null && status.isTrue(RunConditions.CLEANED);
  }

  /** Finished, or its KFP run is gone: nothing changes unless someone changes it, so a slow look is enough. */
  public boolean isSettled() {
    return isRunDeletedInKfp() || isFinished();
  }

  /**
   * True when the status records a finished KFP run in full, as a successful look at {@code generation} of the
   * Run left it: a known terminal state, {@code Synced=True} written for that generation, a {@code Succeeded}
   * verdict, and for a run that failed by itself a diagnosis that names its failed steps (KFP may add them later;
   * a read looks again). Such a status needs no read of the run to stand while nothing else is asked of it. (An
   * edit of the immutable spec is checked without the run, so {@code Submitted} does not matter here.)
   */
  public boolean isRecordedFinished(Long generation) {
    if (!hasRun() || isCleaned() || !isFinished()) {
      return false;
    }
    boolean synced = status.condition(RunConditions.SYNCED)
        .map(c -> "True".equals(c.getStatus()) && Objects.equals(generation, c.getObservedGeneration()))
        .orElse(false);
    boolean verdict = status.condition(RunConditions.SUCCEEDED)
        .map(c -> "True".equals(c.getStatus()) || "False".equals(c.getStatus()))
        .orElse(false);
    boolean diagnosed = state().orElseThrow() != KfpRuntimeState.FAILED || status.wasTerminated()
        || status.getFailure() != null && status.getFailure().tasks() != null
            && !status.getFailure().tasks().isEmpty();
    return synced && verdict && diagnosed;
  }

  /**
   * No run id yet, and nothing says the operator gave up: never looked at, a create in doubt, a failed
   * attempt that is to be retried, or waiting in a RunQueue (for a slot, or for the queue to be created). A spec that is invalid, or that KFP refused, waits for the user instead.
   */
  public boolean awaitsSubmission() {
    if (hasRun()) {
      return false;
    }
    return status == null || status.condition(RunConditions.SUBMITTED)
        .map(c -> AWAITING_SUBMISSION.contains(c.getReason()))
        .orElse(true);
  }

  /**
   * True when the operator or KFP refused the Run's spec of {@code generation} for good: {@code Submitted=False}
   * written for that generation, with {@code ExperimentNotInNamespace}, or with {@code KfpError} or
   * {@code InvalidSpec} and {@code Succeeded=False} (KFP's 400, the last 500 allowed, a spec that cannot work).
   * Such a Run is not taken into its RunQueue again until its spec changes; refusals that may clear by themselves
   * ({@code Succeeded=Unknown}) are asked again on their own schedule.
   */
  public boolean refusedForGood(Long generation) {
    if (hasRun() || status == null) {
      return false;
    }
    return status.condition(RunConditions.SUBMITTED)
        .filter(c -> "False".equals(c.getStatus()) && Objects.equals(generation, c.getObservedGeneration()))
        .map(c -> RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE.equals(c.getReason())
            || REFUSED_WITH_AN_OUTCOME.contains(c.getReason())
            && status.condition(RunConditions.SUCCEEDED).map(s -> "False".equals(s.getStatus())).orElse(false))
        .orElse(false);
  }

  /** True when the last look at KFP failed in a way a later look can clear by itself. */
  public boolean lastLookMayClear() {
    return syncedFalseBecause(PASSING_SYNC_FAILURES);
  }

  /** True when a {@code Synced=False} reason clears by itself once KFP answers well again. */
  public static boolean isPassingSyncFailure(String reason) {
    return PASSING_SYNC_FAILURES.contains(reason);
  }

  /** True when what KFP says of the run (state or storage state) is not what the status shows. */
  public boolean differsFrom(KfpRun run) {
    return status == null || !stateOf(run).name().equals(status.getState())
        || !Objects.equals(run.storageState() == null ? null : run.storageState().name(),
            status.getStorageState());
  }

  private boolean syncedFalseBecause(Set<String> reasons) {
    return status != null && status.condition(RunConditions.SYNCED)
        .map(c -> "False".equals(c.getStatus()) && reasons.contains(c.getReason()))
        .orElse(false);
  }
}
