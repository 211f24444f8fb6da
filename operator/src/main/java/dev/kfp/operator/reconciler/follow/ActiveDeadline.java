package dev.kfp.operator.reconciler.follow;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.lifecycle.RunLifecycle;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code spec.activeDeadlineSeconds}, as Kubernetes Jobs have it: a KFP run still active that long after KFP
 * created it is terminated, once per Run. Time a Run was held before submission does not count, since KFP
 * creates the run only when it is submitted. A retry after the deadline is the user's explicit choice, so the
 * deadline is not applied to the retried run again.
 */
public final class ActiveDeadline {

  /** What a look at the deadline did: whether KFP was changed, and when to look at it again. */
  record Outcome(boolean terminated, Optional<Duration> lookAgainIn) {

    static final Outcome NONE = new Outcome(false, Optional.empty());
  }

  private final KfpClientProvider kfpClients;
  private final StatusRecorder recorder;
  private final Clock clock;

  public ActiveDeadline(KfpClientProvider kfpClients, StatusRecorder recorder, Clock clock) {
    this.kfpClients = kfpClients;
    this.recorder = recorder;
    this.clock = clock;
  }

  /** Terminates the run if it is active past its deadline; else says when the deadline comes. */
  Outcome enforce(Run run, KfpRun kfpRun) {
    Long seconds = run.getSpec().getActiveDeadlineSeconds();
    RunStatus status = run.getStatus();
    if (seconds == null || seconds < 1 || Boolean.TRUE.equals(status.getDeadlineExceeded())
        || kfpRun.createdAt() == null || !RunLifecycle.stateOf(kfpRun).isTerminable()) {
      return Outcome.NONE;
    }
    Instant deadline = kfpRun.createdAt().plusSeconds(seconds);
    Duration left = Duration.between(clock.instant(), deadline);
    if (!left.isNegative() && !left.isZero()) {
      return new Outcome(false, Optional.of(left));
    }
    try {
      kfpClients.forNamespace(run.getMetadata().getNamespace()).terminateRun(kfpRun.runId());
    } catch (KfpException e) {
      if (e.isBadRequest()) {
        return Outcome.NONE; // it ended meanwhile
      }
      throw e; // looked at again; the deadline still holds
    }
    status.setTerminated(true);
    status.setDeadlineExceeded(true);
    recorder.warning(run, EventReason.DEADLINE_EXCEEDED, "KFP run " + kfpRun.runId() + " was active "
        + "longer than spec.activeDeadlineSeconds (" + seconds + " s since KFP created it at " + kfpRun.createdAt()
        + ") and was terminated");
    return new Outcome(true, Optional.empty());
  }
}
