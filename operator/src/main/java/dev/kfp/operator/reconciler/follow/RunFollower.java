package dev.kfp.operator.reconciler.follow;

import static dev.kfp.operator.api.RunConditions.SUBMITTED;
import static dev.kfp.operator.api.RunConditions.SUCCEEDED;
import static dev.kfp.operator.api.RunConditions.SYNCED;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunFailure;
import dev.kfp.operator.api.RunSpec;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.lifecycle.RunLifecycle;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.phase.RetrySchedule;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder.Notice;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import dev.kfp.operator.reconciler.submit.SpecFingerprint;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The follow phase: brings the status of a Run whose KFP run exists in line with KFP, and has the user's
 * commands carried out. It checks the spec was not edited since the create, reads the run (or takes the one
 * just read), refuses an answer it cannot trust, diagnoses a failure, observes, and acts; then says when to
 * look again.
 */
public final class RunFollower {

  private final KfpClientProvider kfpClients;
  private final RunObserver observer;
  private final FailureDiagnostician diagnostician;
  private final UserCommands commands;
  private final ActiveDeadline deadline;
  private final StatusRecorder recorder;
  private final RetrySchedule retries;
  private final SyncStrategy sync;
  private final StoredRuns storedRuns;

  /**
   * @param storedRuns reads a Run from the API server, when the cached copy left out the spec to check
   */
  public RunFollower(KfpClientProvider kfpClients, RunObserver observer, FailureDiagnostician diagnostician,
      UserCommands commands, ActiveDeadline deadline, StatusRecorder recorder, RetrySchedule retries,
      SyncStrategy sync, StoredRuns storedRuns) {
    this.kfpClients = kfpClients;
    this.observer = observer;
    this.diagnostician = diagnostician;
    this.commands = commands;
    this.deadline = deadline;
    this.recorder = recorder;
    this.retries = retries;
    this.sync = sync;
    this.storedRuns = storedRuns;
  }

  /**
   * Follows the recorded KFP run; the result says when to look again.
   *
   * @param alreadyRead the run as it was just read (by this reconcile's submission, or by the status sync),
   *     if it was; else the run is read from KFP. It may throw the failure of the read that was to give it.
   * @param tookRead told the run whenever this phase read it from KFP itself
   * @param actsAfter true when a later phase acts on the KFP run as this look finds it (the TTL is over): the
   *     run is then read even if its status could stand
   */
  public PhaseResult follow(Run run, Supplier<Optional<KfpRun>> alreadyRead, Consumer<KfpRun> tookRead,
      boolean actsAfter) {
    return PhaseResult.lookAgain(look(run, alreadyRead, tookRead, actsAfter));
  }

  private Optional<Duration> look(Run run, Supplier<Optional<KfpRun>> alreadyRead, Consumer<KfpRun> tookRead,
      boolean actsAfter) {
    RunStatus status = run.getStatus();
    String key = run.getMetadata().getUid();
    checkSpecUnchanged(run);
    try {
      Optional<KfpRun> handed = alreadyRead.get();
      if (handed.isEmpty() && !actsAfter && statusStands(run)) {
        return sync.nextLook(RunLifecycle.of(status));
      }
      KfpRun kfpRun = handed.orElseGet(() -> read(run, tookRead));
      String implausible = implausible(kfpRun, status.getRunId());
      if (implausible != null) {
        recorder.condition(run, SYNCED, "False", EventReason.KFP_BAD_ANSWER,
            implausible + "; the last known state " + status.getState() + " is kept", Notice.WARNING);
        return Optional.of(retries.soon(key));
      }
      observe(run, kfpRun);
      if (commands.act(run, kfpRun)) {
        kfpRun = read(run, tookRead);
        observe(run, kfpRun);
      }
      ActiveDeadline.Outcome overdue = deadline.enforce(run, kfpRun);
      if (overdue.terminated()) {
        observe(run, read(run, tookRead));
      }
      retries.reset(key);
      recorder.condition(run, SYNCED, "True", RunConditions.REASON_OK, "KFP run " + status.getRunId() + " read",
          Notice.QUIET);
      return PhaseResult.sooner(sync.nextLook(RunLifecycle.of(status)), overdue.lookAgainIn());
    } catch (UserCommands.Refused refused) {
      recorder.condition(run, SYNCED, "False", EventReason.COMMAND_REFUSED, refused.getMessage(),
          Notice.WARNING);
      return Optional.of(retries.afterRefusal(key));
    } catch (KfpException e) {
      if (e.isNotFound()) {
        recorder.condition(run, SYNCED, "False", EventReason.RUN_DELETED, "KFP run " + status.getRunId()
            + " no longer exists (deleted outside the operator); it is not recreated. Delete this Run, or create "
            + "a new one to run the pipeline again", Notice.WARNING);
        return sync.nextLook(RunLifecycle.of(status)); // settled now: the resync looks again
      }
      recorder.unsynced(run, e);
      if (e.isListing() && sync.retriesFailedLists()) {
        return Optional.empty(); // the status sync's list failed: the sync lists again, the only path retrying
      }
      return Optional.of(e.isRetryable() ? retries.afterError(key, e) : retries.afterRefusal(key));
    }
  }

  /**
   * True when the status, as it is, needs no read of the KFP run: it records a finished run in full, for the
   * Run's current generation; the user asks nothing the status does not show done; and the status sync keeps
   * the settled run in step by itself. This is what spares an operator's start a GET of every finished run.
   * Anything else (an active run, a command, an edit, a failed last look, a read not yet recorded) reads.
   */
  private boolean statusStands(Run run) {
    return RunLifecycle.of(run.getStatus()).isRecordedFinished(run.getMetadata().getGeneration())
        && !UserCommands.pending(run)
        && sync.keepsSettledRunInStep(run);
  }

  private KfpRun read(Run run, Consumer<KfpRun> tookRead) {
    KfpRun kfpRun = kfp(run).getRun(run.getStatus().getRunId());
    tookRead.accept(kfpRun);
    return kfpRun;
  }

  /** Copies the run into the status, with the diagnosis of its failure, and sets the Succeeded summary. */
  private void observe(Run run, KfpRun kfpRun) {
    RunStatus status = run.getStatus();
    RunFailure failure = diagnostician.diagnose(run, kfpRun, kfp(run));
    String previous = observer.observe(status, kfpRun);
    RunObserver.Verdict verdict = RunObserver.succeeded(kfpRun, status.wasTerminated(),
        status.wasTerminatedForDeadline(), failure);
    recorder.condition(run, SUCCEEDED, verdict.status(), verdict.reason(), verdict.message(), Notice.QUIET);
    if (previous != null) {
      String message = "KFP run " + kfpRun.runId() + ": " + previous + " -> " + status.getState();
      if (kfpRun.state() == KfpRuntimeState.FAILED) {
        recorder.warning(run, EventReason.STATE_CHANGED, message);
      } else {
        recorder.normal(run, EventReason.STATE_CHANGED, message);
      }
    }
  }

  /** Why an answer KFP gave for a run cannot be trusted, or null when it can. */
  static String implausible(KfpRun kfpRun, String runId) {
    if (kfpRun.runId() == null || !kfpRun.runId().equals(runId)) {
      return "KFP answered a read of run " + runId + " with run '" + kfpRun.runId() + "'";
    }
    if (kfpRun.state() == null) {
      return "KFP's answer for run " + runId + " has no state";
    }
    if (kfpRun.state() == KfpRuntimeState.UNRECOGNIZED) {
      return "KFP reports run " + runId + " in a state this operator does not know (a newer KFP?)";
    }
    return null;
  }

  /**
   * A KFP run cannot change: an edit of the immutable spec after the create is reported, and nothing sent. The
   * cache's copy of a submitted Run may lack the inline spec and the parameters: when the status has observed its
   * generation, that spec was checked already and the Submitted condition says what was found; otherwise (an
   * edit since) the Run is read from the API server for the check.
   */
  private void checkSpecUnchanged(Run run) {
    RunStatus status = run.getStatus();
    if (status.getSpecHash() == null) {
      return;
    }
    RunSpec spec = run.getSpec();
    if (spec.trimmed() != null) {
      if (spec.trimmed().generationObserved()) {
        return;
      }
      Optional<RunSpec> stored = storedRuns.read(run.getMetadata().getNamespace(), run.getMetadata().getName())
          .filter(read -> read.getMetadata().getUid().equals(run.getMetadata().getUid()) && read.unreadable() == null)
          .map(Run::getSpec);
      if (stored.isEmpty()) {
        return; // deleted meanwhile, or replaced by a new Run of the same name: its own events follow
      }
      spec = stored.get();
    }
    List<String> changed = SpecFingerprint.changedFields(status.getSpecHash(), spec);
    if (changed.isEmpty()) {
      if (!status.isTrue(SUBMITTED)) {
        recorder.condition(run, SUBMITTED, "True", RunConditions.REASON_SPEC_REVERTED, "KFP run "
            + status.getRunId() + "; the spec matches it again", Notice.QUIET);
      }
      return;
    }
    recorder.condition(run, SUBMITTED, "False", EventReason.SPEC_CHANGED, String.join(", ", changed)
        + " changed after KFP run " + status.getRunId() + " was created; a KFP run cannot change, so nothing was "
        + "sent. Revert the edit, or create a new Run", Notice.WARNING);
  }

  private KfpClient kfp(Run run) {
    return kfpClients.forNamespace(run.getMetadata().getNamespace());
  }
}
