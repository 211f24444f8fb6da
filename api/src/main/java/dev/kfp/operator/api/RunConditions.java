package dev.kfp.operator.api;

import java.util.List;

/** Condition types and reasons of a Run, as users see them in {@code kubectl describe} and wait on. */
public final class RunConditions {

  /** True once a KFP run exists for the object. */
  public static final String SUBMITTED = "Submitted";
  /** The summary: Unknown while the run is active, True when it succeeded, False when it failed. */
  public static final String SUCCEEDED = "Succeeded";
  /** False when the last look at KFP failed. */
  public static final String SYNCED = "Synced";
  /** The outcome of the latest retry token: True when KFP accepted it, False when it was rejected. */
  public static final String RETRIED = "Retried";
  /**
   * True once spec.ttlSecondsAfterFinished passed on a Run that GitOps tracks: the deletion policy was applied
   * to the KFP run and the Run object is kept (a deleted one would be created again as a new run).
   */
  public static final String CLEANED = "Cleaned";

  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_KFP_ERROR = "KfpError";
  public static final String REASON_UNAUTHORIZED = "Unauthorized";
  public static final String REASON_SPEC_CHANGED = "SpecChanged";
  public static final String REASON_SPEC_REVERTED = "SpecReverted";
  public static final String REASON_CREATED = "Created";
  public static final String REASON_ADOPTED = "Adopted";
  public static final String REASON_TERMINATED = "Terminated";
  public static final String REASON_OK = "Ok";
  public static final String REASON_KFP_UNREACHABLE = "KfpUnreachable";
  public static final String REASON_RUN_DELETED = "RunDeletedInKfp";
  public static final String REASON_RETRIED = "Retried";
  public static final String REASON_RETRY_REJECTED = "RetryRejected";
  public static final String REASON_DELETION_BLOCKED = "DeletionBlocked";
  public static final String REASON_EXPERIMENT_NOT_IN_NAMESPACE = "ExperimentNotInNamespace";
  public static final String REASON_KFP_BAD_ANSWER = "KfpBadAnswer";
  /** The event of a Run this operator version cannot read (a value of another type than its CRD schema says). */
  public static final String REASON_UNREADABLE = "Unreadable";
  /** KFP refused for good what the spec asks (archive, unarchive); retried only every resync interval or later. */
  public static final String REASON_COMMAND_REFUSED = "CommandRefused";
  /** A create may still be running in KFP; no other create is sent until a later search has not found it. */
  public static final String REASON_CREATE_IN_DOUBT = "CreateInDoubt";

  /** spec.suspend holds the Run before submission. */
  public static final String REASON_SUSPENDED = "Suspended";
  /** The run was active longer than spec.activeDeadlineSeconds and the operator terminated it. */
  public static final String REASON_DEADLINE_EXCEEDED = "DeadlineExceeded";
  /** The event of a Run the operator deletes because spec.ttlSecondsAfterFinished passed. */
  public static final String REASON_EXPIRED = "Expired";
  /** The {@link #CLEANED} reason: the TTL passed, the deletion policy was applied in KFP, the Run is kept. */
  public static final String REASON_KEPT_FOR_GITOPS = "KeptForGitOps";

  /** The Run waits in its RunQueue for a slot. */
  public static final String REASON_QUEUED = "Queued";
  /** The RunQueue the Run names does not exist (yet). */
  public static final String REASON_QUEUE_NOT_FOUND = "QueueNotFound";
  /** The RunQueue takes only Runs of another experiment, or its spec is not valid. */
  public static final String REASON_QUEUE_REFUSED = "QueueRefused";
  /** The event of a Run taking a slot of its queue. */
  public static final String REASON_ADMITTED = "Admitted";

  private static final List<String> ORDER = List.of(SUBMITTED, SUCCEEDED, SYNCED, RETRIED, CLEANED);

  private RunConditions() {}

  static int order(String type) {
    int index = ORDER.indexOf(type);
    return index < 0 ? ORDER.size() : index;
  }
}
