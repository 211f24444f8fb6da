package dev.kfp.operator.reconciler.status;

import dev.kfp.operator.api.RunConditions;

/**
 * Every reason an event about a Run carries. Where an event tells a condition's transition, its reason is the
 * condition's, taken from {@link RunConditions}, so the two never drift apart.
 */
public enum EventReason {

  // What the operator did.
  SUBMITTED("Submitted"),
  ADOPTED(RunConditions.REASON_ADOPTED),
  PIPELINE_RESOLVED("PipelineResolved"),
  STATE_CHANGED("StateChanged"),
  STEP_FAILED("StepFailed"),
  ARCHIVED("Archived"),
  UNARCHIVED("Unarchived"),
  TERMINATED(RunConditions.REASON_TERMINATED),
  TERMINATE_IGNORED("TerminateIgnored"),
  RETRIED(RunConditions.REASON_RETRIED),
  DELETED("Deleted"),
  DEADLINE_EXCEEDED(RunConditions.REASON_DEADLINE_EXCEEDED),
  EXPIRED(RunConditions.REASON_EXPIRED),
  KEPT_FOR_GITOPS(RunConditions.REASON_KEPT_FOR_GITOPS),
  SUSPENDED(RunConditions.REASON_SUSPENDED),
  QUEUED(RunConditions.REASON_QUEUED),
  ADMITTED(RunConditions.REASON_ADMITTED),

  // What the user should look at.
  INVALID_SPEC(RunConditions.REASON_INVALID_SPEC),
  SPEC_CHANGED(RunConditions.REASON_SPEC_CHANGED),
  EXPERIMENT_NOT_IN_NAMESPACE(RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE),
  QUEUE_NOT_FOUND(RunConditions.REASON_QUEUE_NOT_FOUND),
  QUEUE_REFUSED(RunConditions.REASON_QUEUE_REFUSED),
  UNAUTHORIZED(RunConditions.REASON_UNAUTHORIZED),
  KFP_UNREACHABLE(RunConditions.REASON_KFP_UNREACHABLE),
  KFP_ERROR(RunConditions.REASON_KFP_ERROR),
  KFP_BAD_ANSWER(RunConditions.REASON_KFP_BAD_ANSWER),
  RUN_DELETED(RunConditions.REASON_RUN_DELETED),
  COMMAND_REFUSED(RunConditions.REASON_COMMAND_REFUSED),
  RETRY_REJECTED(RunConditions.REASON_RETRY_REJECTED),
  DELETION_BLOCKED(RunConditions.REASON_DELETION_BLOCKED),
  UNREADABLE(RunConditions.REASON_UNREADABLE);

  private final String text;

  EventReason(String text) {
    this.text = text;
  }

  /** The reason as the event shows it ({@code kubectl describe}, {@code kubectl get events}). */
  public String text() {
    return text;
  }
}
