package dev.kfp.operator.reconciler.follow;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.lifecycle.RunLifecycle;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder.Notice;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import java.time.Duration;

/**
 * The user commands phase: carries out what the user asked of a KFP run that exists, the {@code archived}
 * flag and the terminate and retry annotations, each once. The status records what was acted on
 * ({@code terminated}, {@code lastRetry}), so a repeated reconcile does not act again.
 */
public final class UserCommands {

  /** KFP refused for good what the spec asks; the message says what the user can change. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private final KfpClientProvider kfpClients;
  private final StatusRecorder recorder;
  private final Duration resyncInterval;

  public UserCommands(KfpClientProvider kfpClients, StatusRecorder recorder, Duration resyncInterval) {
    this.kfpClients = kfpClients;
    this.recorder = recorder;
    this.resyncInterval = resyncInterval;
  }

  /**
   * Carries out the archived flag and the terminate and retry commands on the run as just read.
   *
   * @return true when KFP was changed (the run is then read again)
   * @throws Refused when KFP refused for good to archive or unarchive
   * @throws KfpException when KFP could not be asked (the look is retried)
   */
  boolean act(Run run, KfpRun kfpRun) {
    boolean changed = archive(run, kfpRun);
    if (terminateAsked(run)) {
      changed |= terminate(run, kfpRun);
    }
    if (retryAsked(run)) {
      changed |= retry(run, kfpRun, run.annotation(Run.RETRY_ANNOTATION));
    }
    return changed;
  }

  /**
   * True when the Run asks for something its status does not show done: {@code spec.archived} differing from
   * the storage state the status shows, a terminate annotation not acted on, a retry token not acted on.
   * {@link #act} then needs the run as KFP has it now.
   */
  static boolean pending(Run run) {
    RunStatus status = run.getStatus();
    Boolean archived = run.getSpec().getArchived();
    if (archived != null && archived != KfpStorageState.ARCHIVED.name().equals(status.getStorageState())) {
      return true;
    }
    return terminateAsked(run) || retryAsked(run);
  }

  private static boolean terminateAsked(Run run) {
    String terminate = run.annotation(Run.TERMINATE_ANNOTATION);
    return terminate != null && !terminate.isEmpty() && run.getStatus().getTerminated() == null;
  }

  private static boolean retryAsked(Run run) {
    String retry = run.annotation(Run.RETRY_ANNOTATION);
    return retry != null && !retry.isEmpty() && !retry.equals(run.getStatus().getLastRetry());
  }

  private boolean archive(Run run, KfpRun kfpRun) {
    Boolean archived = run.getSpec().getArchived();
    if (archived == null || archived == RunLifecycle.isArchived(kfpRun)) {
      return false;
    }
    try {
      if (archived) {
        kfp(run).archiveRun(kfpRun.runId());
        recorder.normal(run, EventReason.ARCHIVED, "archived KFP run " + kfpRun.runId());
      } else {
        kfp(run).unarchiveRun(kfpRun.runId());
        recorder.normal(run, EventReason.UNARCHIVED, "unarchived KFP run " + kfpRun.runId());
      }
      return true;
    } catch (KfpException e) {
      if (e.isRetryable() || e.isNotFound() || e.isUnauthorized()) {
        throw e;
      }
      throw new Refused("KFP refused to " + (archived ? "archive" : "unarchive") + " run "
          + kfpRun.runId() + " (" + e.getMessage() + "). "
          + (archived ? "Remove spec.archived, or set it to false, to stop asking"
              : "A run of an archived experiment stays archived: unarchive the experiment in KFP, or remove "
                  + "spec.archived or set it to true")
          + "; until then the operator asks again only every " + resyncInterval.toSeconds() + " s or longer");
    }
  }

  private boolean terminate(Run run, KfpRun kfpRun) {
    RunStatus status = run.getStatus();
    if (RunLifecycle.stateOf(kfpRun).isTerminable()) {
      try {
        kfp(run).terminateRun(kfpRun.runId());
        status.setTerminated(true);
        recorder.normal(run, EventReason.TERMINATED, "terminated KFP run " + kfpRun.runId() + " (was " + kfpRun.state()
            + ")");
        return true;
      } catch (KfpException e) {
        if (!e.isBadRequest()) {
          throw e;
        }
      }
    }
    // The run is past the point where terminating means anything; note that the command was seen.
    status.setTerminated(false);
    recorder.normal(run, EventReason.TERMINATE_IGNORED, "KFP run " + kfpRun.runId() + " is " + kfpRun.state()
        + "; only PENDING, RUNNING or PAUSED runs can be terminated");
    return false;
  }

  private boolean retry(Run run, KfpRun kfpRun, String token) {
    RunStatus status = run.getStatus();
    status.setLastRetry(token);
    String rejection;
    if (kfpRun.state() == KfpRuntimeState.FAILED) {
      try {
        kfp(run).retryRun(kfpRun.runId());
        if (status.wasTerminated()) {
          status.setTerminated(false);
        }
        recorder.condition(run, RunConditions.RETRIED, "True", RunConditions.REASON_RETRIED,
            "retry '" + token + "' sent to KFP", Notice.QUIET);
        recorder.normal(run, EventReason.RETRIED, "retried KFP run " + kfpRun.runId() + " (token '" + token + "')");
        return true;
      } catch (KfpException e) {
        if (e.isRetryable()) {
          status.setLastRetry(null);
          throw e;
        }
        rejection = "KFP refused the retry: " + e.getMessage();
      }
    } else {
      rejection = "the run is " + kfpRun.state() + "; KFP retries only FAILED runs";
    }
    String message = "retry '" + token + "' rejected: " + rejection;
    recorder.condition(run, RunConditions.RETRIED, "False", RunConditions.REASON_RETRY_REJECTED, message,
        Notice.QUIET);
    recorder.warning(run, EventReason.RETRY_REJECTED, message);
    return false;
  }

  private KfpClient kfp(Run run) {
    return kfpClients.forNamespace(run.getMetadata().getNamespace());
  }
}
