package dev.kfp.operator.reconciler.submit;

import static dev.kfp.operator.api.RunConditions.SUBMITTED;
import static dev.kfp.operator.api.RunConditions.SUCCEEDED;
import static dev.kfp.operator.api.RunConditions.SYNCED;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.api.SubmissionClaim;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpExperiment;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.phase.ReconcilerSettings;
import dev.kfp.operator.reconciler.phase.RetrySchedule;
import dev.kfp.operator.reconciler.queue.QueueGate;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder.Notice;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import dev.kfp.operator.reconciler.status.StatusWrite;
import dev.kfp.operator.reconciler.status.StatusWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The submit phase: turns a Run without a KFP run into exactly one KFP run. It validates the spec, adopts the
 * run that carries the Run's marker if there is one, and otherwise resolves a pipeline named by name to ids
 * (once: they are kept in the status with the claim), claims the create in the status (written before the create
 * is sent) and creates. A create whose outcome is unknown is never repeated before a marker
 * search made after the claim's window has come back empty; docs/developing/exactly-once.md gives the rules.
 */
public final class RunSubmitter {

  /** A create answered 500 at this attempt (or later) is reported as failed instead of tried again. */
  static final int CREATE_ATTEMPTS_ON_SERVER_ERROR = 3;

  private final KfpClientProvider kfpClients;
  private final RunValidator validator;
  private final PipelineResolver pipelines;
  private final MarkerSearch markers;
  private final StatusRecorder recorder;
  private final RetrySchedule retries;
  private final ReconcilerSettings settings;
  private final QueueGate queues;
  private final String instance;
  private final Clock clock;

  /**
   * @param instance this operator instance's name in submission claims; unique per process start
   */
  public RunSubmitter(KfpClientProvider kfpClients, RunValidator validator, PipelineResolver pipelines,
      MarkerSearch markers, StatusRecorder recorder, RetrySchedule retries, ReconcilerSettings settings,
      QueueGate queues, String instance, Clock clock) {
    this.kfpClients = kfpClients;
    this.validator = validator;
    this.pipelines = pipelines;
    this.markers = markers;
    this.recorder = recorder;
    this.retries = retries;
    this.settings = settings;
    this.queues = queues;
    this.instance = instance;
    this.clock = clock;
  }

  /**
   * Finds or creates the KFP run: the result carries it, or says when to try again; stale when the claim could
   * not be written because the Run changed meanwhile.
   */
  public PhaseResult submit(Run run, StatusWrite writeStatus) {
    RunStatus status = run.getStatus();
    KfpRun request;
    try {
      request = validator.toCreateRequest(run);
    } catch (InvalidSpecException e) {
      return invalid(run, e);
    }
    if (run.getSpec().isSuspended()) {
      return suspended(run, request);
    }
    // Admission comes before the claim: a Run claims its create only once it holds a slot of its queue.
    switch (queues.admit(run)) {
      case STALE -> {
        return PhaseResult.staleObject();
      }
      case HELD -> {
        return PhaseResult.lookAgain(Optional.empty()); // a change of the queue triggers it again
      }
      case ADMITTED -> { }
    }
    String key = run.getMetadata().getUid();
    boolean creating = false;
    try {
      if (settings.checkExperimentNamespace() && request.experimentId() != null) {
        String refusal = experimentOutsideNamespace(run, request.experimentId());
        if (refusal != null) {
          notSubmitted(run, EventReason.EXPERIMENT_NOT_IN_NAMESPACE, refusal);
          return PhaseResult.lookAgain(Optional.empty());
        }
      }
      Instant searchStarted = clock.instant();
      Optional<KfpRun> existing = markers.find(run, request.experimentId());
      if (existing.isPresent()) {
        return adopted(run, existing.get(), request);
      }
      SubmissionClaim previous = status.getClaim();
      if (previous != null && previous.isLive(searchStarted, settings.createWindow())) {
        return PhaseResult.lookAgain(Optional.of(awaitClaim(run, previous, key)));
      }
      try {
        request = pipelines.resolve(run, request);
      } catch (InvalidSpecException e) {
        return invalid(run, e);
      }
      SubmissionClaim claim = SubmissionClaim.next(previous, instance, clock.instant());
      status.setClaim(claim);
      if (writeStatus.write() == StatusWriter.Outcome.STALE) {
        return PhaseResult.staleObject();
      }
      if (!claim.maySendAt(clock.instant(), settings.createWindow())) {
        // Paused between the claim and the create: the turn may have passed to another instance.
        status.setClaim(claim.ended(SubmissionClaim.UNCERTAIN, clock.instant()));
        return PhaseResult.lookAgain(Optional.of(awaitClaim(run, status.getClaim(), key)));
      }
      creating = true;
      KfpRun kfpRun = kfp(run).createRun(request);
      if (kfpRun.runId() == null || kfpRun.runId().isEmpty()) {
        throw new KfpException("CreateRun", 200, null, "KFP's answer to the create has no run_id; the run may "
            + "exist and will be looked for by its marker", false, true, null, null);
      }
      recorder.normal(run, EventReason.SUBMITTED, "created KFP run " + kfpRun.runId());
      return recorded(run, kfpRun, RunConditions.REASON_CREATED, request);
    } catch (KfpException e) {
      if (creating) {
        status.setClaim(status.getClaim().ended(e.isAmbiguous() ? SubmissionClaim.UNCERTAIN
            : SubmissionClaim.REFUSED, clock.instant()));
      }
      return PhaseResult.lookAgain(failed(run, e, creating));
    }
  }

  /**
   * A suspended Run sends nothing to KFP, but it cannot hide a create it already sent: while a claimed create may
   * have stored a run (it is in flight, or ended without a clear answer), the marker search runs as for any
   * ambiguous create, and a run found is adopted, since suspend has no effect once the KFP run exists. Only
   * when no claimed create can still show up does the Run report that it is held.
   */
  private PhaseResult suspended(Run run, KfpRun request) {
    SubmissionClaim claim = run.getStatus().getClaim();
    if (claim != null && !SubmissionClaim.REFUSED.equals(claim.outcome())) {
      try {
        Instant searchStarted = clock.instant();
        Optional<KfpRun> existing = markers.find(run, request.experimentId());
        if (existing.isPresent()) {
          return adopted(run, existing.get(), request);
        }
        if (claim.isLive(searchStarted, settings.createWindow())) {
          return PhaseResult.lookAgain(Optional.of(awaitClaim(run, claim, run.getMetadata().getUid())));
        }
      } catch (KfpException e) {
        return PhaseResult.lookAgain(failed(run, e, false));
      }
    }
    recorder.condition(run, SUBMITTED, "False", EventReason.SUSPENDED, "spec.suspend is true: nothing "
        + "is sent to KFP until it is set to false or removed", Notice.NORMAL);
    recorder.condition(run, SUCCEEDED, "Unknown", RunConditions.REASON_SUSPENDED, "held before submission by "
        + "spec.suspend", Notice.QUIET);
    return PhaseResult.lookAgain(Optional.empty()); // an edit of the spec lets it go
  }

  private PhaseResult adopted(Run run, KfpRun kfpRun, KfpRun request) {
    recorder.normal(run, EventReason.ADOPTED, "found KFP run " + kfpRun.runId() + " created for this object earlier");
    return recorded(run, kfpRun, RunConditions.REASON_ADOPTED, request);
  }

  /** Records the KFP run this Run now has: its id, the pipeline it runs, the spec it was made from. */
  private PhaseResult recorded(Run run, KfpRun kfpRun, String reason, KfpRun request) {
    RunStatus status = run.getStatus();
    retries.resetPassing(run.getMetadata().getUid());
    status.setRunId(kfpRun.runId());
    if (kfpRun.pipelineVersionReference() != null) {
      status.setPipelineId(kfpRun.pipelineVersionReference().pipelineId());
      status.setPipelineVersionId(kfpRun.pipelineVersionReference().pipelineVersionId());
    }
    status.setSpecHash(SpecFingerprint.of(run.getSpec()));
    recorder.condition(run, SUBMITTED, "True", reason, "KFP run " + kfpRun.runId()
        + (request.experimentId() == null ? "" : " in experiment " + request.experimentId()), Notice.QUIET);
    return PhaseResult.read(kfpRun);
  }

  private PhaseResult invalid(Run run, InvalidSpecException e) {
    recorder.condition(run, SUBMITTED, "False", EventReason.INVALID_SPEC, e.getMessage(), Notice.WARNING);
    recorder.condition(run, SUCCEEDED, e.mayResolveItself() ? "Unknown" : "False",
        RunConditions.REASON_INVALID_SPEC, "the run was not submitted: " + e.getMessage(), Notice.QUIET);
    return PhaseResult.lookAgain(e.mayResolveItself() ? Optional.of(settings.resyncInterval()) : Optional.empty());
  }

  /**
   * A claim is live (a create may be running in KFP, or another instance is sending one): no create now. Says
   * so in the Run and returns when to look again: soon, to adopt the run as soon as it shows, but with backoff,
   * and never later than when the claim stops being live.
   */
  private Duration awaitClaim(Run run, SubmissionClaim claim, String key) {
    Instant until = claim.liveUntil(settings.createWindow());
    String message = (instance.equals(claim.holder()) ? "this instance" : "operator instance " + claim.holder())
        + " sent create attempt " + claim.attempt() + " at " + claim.claimedAt()
        + (claim.endedAt() == null ? ", which may still be running" : " and got no clear answer")
        + "; KFP may still store it, so no other create is sent before " + until + " and a search after that "
        + "has not found the run";
    recorder.condition(run, SUBMITTED, "False", RunConditions.REASON_CREATE_IN_DOUBT, message, Notice.LOG);
    return retries.whileClaimLive(key, until, clock.instant());
  }

  /**
   * In multi-user KFP the experiment decides the namespace a run lands in. A Run may only use experiments of
   * its own namespace, or a user of namespace A could start runs in namespace B through the operator.
   */
  private String experimentOutsideNamespace(Run run, String experimentId) {
    KfpExperiment experiment = kfp(run).getExperiment(experimentId);
    String namespace = run.getMetadata().getNamespace();
    if (experiment.namespace() == null || experiment.namespace().isEmpty()
        || experiment.namespace().equals(namespace)) {
      return null;
    }
    return "experiment " + experimentId + " belongs to namespace " + experiment.namespace()
        + ", not " + namespace + "; a Run may only use experiments of its own namespace. Nothing was created";
  }

  private Optional<Duration> failed(Run run, KfpException e, boolean creating) {
    String key = run.getMetadata().getUid();
    if (e.isUnauthorized()) {
      notSubmitted(run, EventReason.UNAUTHORIZED, "KFP refused the operator's credentials: "
          + e.getMessage());
      return Optional.of(settings.resyncInterval());
    }
    if (e.isRefused() || e.isNotFound()) {
      // A 400 stays refused; anything else (an unknown pipeline or experiment, say) may be put right in KFP.
      refused(run, e.getMessage(), !e.isBadRequest());
      return e.isBadRequest() ? Optional.empty() : Optional.of(settings.resyncInterval());
    }
    SubmissionClaim claim = run.getStatus().getClaim();
    if (creating && e.isInternalError() && claim.attempt() >= CREATE_ATTEMPTS_ON_SERVER_ERROR) {
      retries.resetPassing(key);
      refused(run, "KFP answered create attempt " + claim.attempt()
          + " with an internal error (KFP reports several spec mistakes this way), and no run appeared for the "
          + "earlier ones: " + e.getMessage(), false);
      return Optional.empty();
    }
    // The create may have happened (lost response, 500 after commit): the marker search runs again first, and
    // the claim keeps any other create back until a create still running in KFP would have become visible.
    Duration delay = retries.afterError(key, e);
    recorder.unsynced(run, e);
    recorder.log(run, "submission attempt failed, next in " + delay + ": " + e.getMessage());
    return Optional.of(delay);
  }

  /**
   * KFP refused the create: {@code Submitted=False} and, so that {@code kubectl get} and {@code kubectl wait} see
   * an outcome, {@code Succeeded} with the same reason: {@code False} when the refusal is final, {@code Unknown}
   * when the operator asks again at the resync.
   */
  private void refused(Run run, String message, boolean mayResolveItself) {
    notSubmitted(run, EventReason.KFP_ERROR, message);
    recorder.condition(run, SUCCEEDED, mayResolveItself ? "Unknown" : "False", RunConditions.REASON_KFP_ERROR,
        "the run was not submitted: " + message, Notice.QUIET);
  }

  private void notSubmitted(Run run, EventReason reason, String message) {
    recorder.condition(run, SUBMITTED, "False", reason, message, Notice.WARNING);
    recorder.condition(run, SYNCED, "True", RunConditions.REASON_OK, "KFP answered", Notice.QUIET);
  }

  private KfpClient kfp(Run run) {
    return kfpClients.forNamespace(run.getMetadata().getNamespace());
  }
}
