package dev.kfp.operator.reconciler.status;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpException;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the reconciler sets a condition, emits an event and logs what happened to a Run. A condition
 * is set on every call; its event and its log line come only with a transition (its status or reason
 * changed), so a reconcile that finds the same problem again says nothing new. Events that repeat anyway
 * are counted on the first one by {@link EventRecorder}.
 */
public final class StatusRecorder {

  /** What a transition of a condition is worth telling, besides setting it. */
  public enum Notice {
    /** Only the condition; no event, no log line. */
    QUIET,
    /** An info line, no event. */
    LOG,
    /** A Normal event and an info line. */
    NORMAL,
    /** A Warning event and an info line. */
    WARNING
  }

  private static final Logger LOG = LoggerFactory.getLogger(StatusRecorder.class);

  private final RunEvents events;
  private final Clock clock;

  public StatusRecorder(RunEvents events, Clock clock) {
    this.events = events;
    this.clock = clock;
  }

  /**
   * Sets the condition {@code type} of the Run's status; on a transition, tells it as {@code notice} says.
   * The event's reason is the condition's.
   *
   * @return true when this was a transition
   */
  public boolean condition(Run run, String type, String status, EventReason reason, String message,
      Notice notice) {
    return condition(run, type, status, reason.text(), message, notice);
  }

  /**
   * Sets the condition {@code type} of the Run's status with a reason that is not an event's (the operator's own
   * conditions give an {@link EventReason} when they send one); on a transition, tells it as {@code notice} says.
   *
   * @return true when this was a transition
   */
  public boolean condition(Run run, String type, String status, String reason, String message, Notice notice) {
    RunStatus runStatus = run.getStatus();
    Optional<Condition> previous = runStatus.condition(type);
    boolean transition = previous.isEmpty() || !previous.get().getStatus().equals(status)
        || !Objects.equals(previous.get().getReason(), reason);
    runStatus.putCondition(new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(run.getMetadata().getGeneration())
        .withLastTransitionTime(clock.instant().toString())
        .build());
    if (transition) {
      switch (notice) {
        case NORMAL -> send(run, Notice.NORMAL, reason, message);
        case WARNING -> send(run, Notice.WARNING, reason, message);
        case LOG -> log(run, reason + ": " + message);
        case QUIET -> { }
      }
    }
    return transition;
  }

  /**
   * {@code Synced=False} with the reason a failed KFP call gives, keeping the last known state; a Warning event
   * on the transition. Every phase reports a KFP call that failed this way.
   */
  public void unsynced(Run run, KfpException e) {
    EventReason reason = e.isUnauthorized() ? EventReason.UNAUTHORIZED
        : e.isRetryable() ? EventReason.KFP_UNREACHABLE : EventReason.KFP_ERROR;
    String state = run.getStatus().getState();
    if (condition(run, RunConditions.SYNCED, "False", reason, e.getMessage() + (state == null ? ""
        : "; last known state " + state + " kept"), Notice.QUIET)) {
      warning(run, reason, e.getMessage());
    }
  }

  /** A Normal event and its log line, for something the operator did. */
  public void normal(Run run, EventReason reason, String message) {
    send(run, Notice.NORMAL, reason.text(), message);
  }

  /** A Warning event and its log line, for something the user should look at. */
  public void warning(Run run, EventReason reason, String message) {
    send(run, Notice.WARNING, reason.text(), message);
  }

  private void send(Run run, Notice notice, String reason, String message) {
    if (notice == Notice.WARNING) {
      events.warning(run, reason, message);
    } else {
      events.normal(run, reason, message);
    }
    LOG.info("{}: {}: {}", ref(run), reason, message);
  }

  /** A log line only, for what is worth knowing when reading the log but not worth an event. */
  public void log(Run run, String message) {
    LOG.info("{}: {}", ref(run), message);
  }

  /** The Run as log lines name it: {@code namespace/name}. */
  public static String ref(Run run) {
    return run.getMetadata().getNamespace() + "/" + run.getMetadata().getName();
  }
}
