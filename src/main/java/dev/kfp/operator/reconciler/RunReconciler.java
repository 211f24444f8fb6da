package dev.kfp.operator.reconciler;

import static dev.kfp.operator.api.RunConditions.SUBMITTED;
import static dev.kfp.operator.api.RunConditions.SUCCEEDED;
import static dev.kfp.operator.api.RunConditions.SYNCED;

import dev.kfp.operator.api.DeletionPolicy;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.api.SubmissionClaim;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpExperiment;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.LogTailLimits;
import dev.kfp.operator.kfp.RunFilter;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconcile of a Run: validate, submit exactly once, observe, act on what the user changed, wait. See
 * DESIGN.md §2. KFP is reached only through {@link KfpClient}; status is written once, at the end.
 */
@ControllerConfiguration(
    name = "run",
    finalizerName = Run.FINALIZER,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = RunChangeFilter.class))
public class RunReconciler implements Reconciler<Run>, Cleaner<Run> {

  /** A create answered 500 at this attempt (or later) is reported as failed instead of tried again. */
  static final int CREATE_ATTEMPTS_ON_SERVER_ERROR = 3;
  /**
   * The longest wait after a KFP error; never more than half the resync interval, so that every Run has looked
   * again, and caught up, within one resync interval after KFP is back.
   */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
  private static final Logger LOG = LoggerFactory.getLogger(RunReconciler.class);
  /** A reconcile that found the Run changed under it looks again after this long. */
  static final Duration STALE_RETRY = Duration.ofSeconds(1);
  /** Added to the end of a claim's life, so the next look starts after it, clocks being imprecise. */
  static final Duration CLAIM_MARGIN = Duration.ofMillis(100);

  private final KfpClientProvider kfpClients;
  private final RunValidator validator;
  private final EventRecorder events;
  private final ReconcilerSettings settings;
  private final RunObserver observer;
  private final FailureDiagnostician diagnostician;
  private final Function<EventSourceContext<Run>, List<EventSource<?, Run>>> eventSources;
  private final Backoff backoff;
  /**
   * After KFP refused a call for good (a 4xx): the resync interval, doubling up to 8 times it. The jitter of
   * {@link Backoff} takes off at most a fifth, so the base of five quarters is never shorter than the interval.
   */
  private final Backoff refusals;
  private final String instance;
  private final Clock clock;

  /**
   * @param eventSources the event sources that trigger reconciles besides changes of the Run itself, such as
   *     the status sync when {@link ReconcilerSettings#pollsEachRun()} is false
   * @param instance this operator instance's name in submission claims; unique per process start
   */
  public RunReconciler(KfpClientProvider kfpClients, RunValidator validator, EventRecorder events,
      ReconcilerSettings settings, Function<EventSourceContext<Run>, List<EventSource<?, Run>>> eventSources,
      String instance) {
    this.instance = instance;
    this.clock = Clock.systemUTC();
    this.kfpClients = kfpClients;
    this.validator = validator;
    this.events = events;
    this.settings = settings;
    this.eventSources = eventSources;
    this.observer = new RunObserver(settings.uiBaseUrl());
    this.diagnostician = new FailureDiagnostician(events, LogTailLimits.defaults());
    Duration half = settings.resyncInterval().dividedBy(2);
    Duration cap = half.compareTo(MAX_BACKOFF) < 0 ? half : MAX_BACKOFF;
    this.backoff = new Backoff(Duration.ofSeconds(1).compareTo(cap) < 0 ? Duration.ofSeconds(1) : cap, cap);
    this.refusals = new Backoff(settings.resyncInterval().multipliedBy(5).dividedBy(4),
        settings.resyncInterval().multipliedBy(8));
  }

  @Override
  public List<EventSource<?, Run>> prepareEventSources(EventSourceContext<Run> context) {
    return eventSources.apply(context);
  }

  @Override
  public UpdateControl<Run> reconcile(Run run, Context<Run> context) {
    if (run.unreadable() != null) {
      reportUnreadable(run);
      return UpdateControl.noUpdate();
    }
    StatusWriter writer = new StatusWriter(run, context);
    if (run.getStatus() == null) {
      run.setStatus(new RunStatus());
    }
    RunStatus status = run.getStatus();
    status.setObservedGeneration(run.getMetadata().getGeneration());
    Optional<Duration> next = Optional.empty();
    Optional<KfpRun> submitted = Optional.empty();
    if (status.getRunId() == null) {
      Submission submission = submit(run, writer);
      if (submission.stale()) {
        return staleObject(run);
      }
      next = submission.retryAfter();
      submitted = submission.kfpRun();
    }
    if (status.getRunId() != null) {
      next = followRun(run, submitted);
    }
    if (writer.write() == StatusWriter.Outcome.STALE) {
      return staleObject(run);
    }
    UpdateControl<Run> control = UpdateControl.noUpdate();
    next.ifPresent(delay -> control.rescheduleAfter(delay));
    return control;
  }

  /**
   * Someone wrote the Run since this reconcile read it; what it decided is dropped, and the next reconcile
   * decides again from the newer object.
   */
  private UpdateControl<Run> staleObject(Run run) {
    LOG.info("{}: the Run changed while it was reconciled; looking again", ref(run));
    return UpdateControl.<Run>noUpdate().rescheduleAfter(STALE_RETRY);
  }

  /**
   * What a submission attempt gave: the KFP run found or created, or when to try again; stale when the claim
   * could not be written because the Run changed meanwhile.
   */
  private record Submission(Optional<KfpRun> kfpRun, Optional<Duration> retryAfter, boolean stale) {

    static Submission failed(Optional<Duration> retryAfter) {
      return new Submission(Optional.empty(), retryAfter, false);
    }

    static Submission ofStaleObject() {
      return new Submission(Optional.empty(), Optional.empty(), true);
    }
  }

  /** Finds or creates the KFP run; says when to look again if no run id could be recorded. */
  private Submission submit(Run run, StatusWriter writer) {
    RunStatus status = run.getStatus();
    KfpRun request;
    try {
      request = validator.toCreateRequest(run);
    } catch (InvalidSpecException e) {
      if (setCondition(run, SUBMITTED, "False", RunConditions.REASON_INVALID_SPEC, e.getMessage())) {
        events.warning(run, RunConditions.REASON_INVALID_SPEC, e.getMessage());
        LOG.info("{}: invalid spec: {}", ref(run), e.getMessage());
      }
      setCondition(run, SUCCEEDED, e.mayResolveItself() ? "Unknown" : "False", RunConditions.REASON_INVALID_SPEC,
          "the run was not submitted: " + e.getMessage());
      return Submission.failed(e.mayResolveItself() ? Optional.of(settings.resyncInterval()) : Optional.empty());
    }
    SubmissionMarker marker = SubmissionMarker.of(run);
    String key = run.getMetadata().getUid();
    boolean creating = false;
    try {
      if (settings.checkExperimentNamespace() && request.experimentId() != null) {
        String refusal = experimentOutsideNamespace(run, request.experimentId());
        if (refusal != null) {
          reportNotSubmitted(run, RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE, refusal);
          return Submission.failed(Optional.empty());
        }
      }
      Instant searchStarted = clock.instant();
      Optional<KfpRun> existing = findByMarker(run, marker, request.experimentId());
      KfpRun kfpRun;
      String reason;
      if (existing.isPresent()) {
        kfpRun = existing.get();
        reason = RunConditions.REASON_ADOPTED;
        events.normal(run, "Adopted", "found KFP run " + kfpRun.runId() + " created for this object earlier");
        LOG.info("{}: adopted KFP run {}", ref(run), kfpRun.runId());
      } else {
        SubmissionClaim previous = status.getClaim();
        if (previous != null && previous.isLive(searchStarted, settings.createWindow())) {
          return Submission.failed(Optional.of(awaitClaim(run, previous, key)));
        }
        SubmissionClaim claim = SubmissionClaim.next(previous, instance, clock.instant());
        status.setClaim(claim);
        if (writer.write() == StatusWriter.Outcome.STALE) {
          return Submission.ofStaleObject();
        }
        if (!claim.maySendAt(clock.instant(), settings.createWindow())) {
          // Paused between the claim and the create: the turn may have passed to another instance.
          status.setClaim(claim.ended(SubmissionClaim.UNCERTAIN, clock.instant()));
          return Submission.failed(Optional.of(awaitClaim(run, status.getClaim(), key)));
        }
        creating = true;
        kfpRun = kfp(run).createRun(request);
        if (kfpRun.runId() == null || kfpRun.runId().isEmpty()) {
          throw new KfpException("CreateRun", 200, null, "KFP's answer to the create has no run_id; the run may "
              + "exist and will be looked for by its marker", false, true, null, null);
        }
        reason = RunConditions.REASON_CREATED;
        events.normal(run, "Submitted", "created KFP run " + kfpRun.runId());
        LOG.info("{}: created KFP run {}", ref(run), kfpRun.runId());
      }
      backoff.reset(key);
      status.setRunId(kfpRun.runId());
      status.setSpecHash(SpecFingerprint.of(run.getSpec()));
      setCondition(run, SUBMITTED, "True", reason, "KFP run " + kfpRun.runId()
          + (request.experimentId() == null ? "" : " in experiment " + request.experimentId()));
      return new Submission(Optional.of(kfpRun), Optional.empty(), false);
    } catch (KfpException e) {
      if (creating) {
        status.setClaim(status.getClaim().ended(e.isAmbiguous() ? SubmissionClaim.UNCERTAIN
            : SubmissionClaim.REFUSED, clock.instant()));
      }
      return Submission.failed(submitFailed(run, e, creating));
    }
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
    if (setCondition(run, SUBMITTED, "False", RunConditions.REASON_CREATE_IN_DOUBT, message)) {
      LOG.info("{}: {}", ref(run), message);
    }
    Duration left = Duration.between(clock.instant(), until);
      left = left.isNegative() ? Duration.ZERO : left;
    Duration soon = backoff.next(key);
    return (left.compareTo(soon) < 0 ? left : soon).plus(CLAIM_MARGIN);
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

  private Optional<KfpRun> findByMarker(Run run, SubmissionMarker marker, String experimentId) {
    ListRunsRequest query = ListRunsRequest.all()
        .withNamespace(run.getMetadata().getNamespace())
        .withExperimentId(experimentId)
        .withPageSize(100)
        .withFilter(RunFilter.builder().substring("description", marker.searchKey()).build());
    List<KfpRun> carriers = kfp(run).listAllRuns(query).filter(marker::isCarriedBy).toList();
    if (carriers.size() > 1) {
      LOG.warn("{}: {} KFP runs carry this object's marker; adopting the oldest", ref(run), carriers.size());
    }
    return carriers.stream()
        .min(Comparator.comparing(KfpRun::createdAt, Comparator.nullsLast(Comparator.naturalOrder())));
  }

  private Optional<Duration> submitFailed(Run run, KfpException e, boolean creating) {
    String key = run.getMetadata().getUid();
    int status = e.httpStatus();
    if (status == 401 || status == 403) {
      reportNotSubmitted(run, RunConditions.REASON_UNAUTHORIZED, "KFP refused the operator's credentials: "
          + e.getMessage());
      return Optional.of(settings.resyncInterval());
    }
    if (status >= 400 && status < 500 && status != 429) {
      reportNotSubmitted(run, RunConditions.REASON_KFP_ERROR, e.getMessage());
      return status == 400 ? Optional.empty() : Optional.of(settings.resyncInterval());
    }
    SubmissionClaim claim = run.getStatus().getClaim();
    if (creating && status == 500 && claim.attempt() >= CREATE_ATTEMPTS_ON_SERVER_ERROR) {
      backoff.reset(key);
      reportNotSubmitted(run, RunConditions.REASON_KFP_ERROR, "KFP answered create attempt " + claim.attempt()
          + " with an internal error (KFP reports several spec mistakes this way), and no run appeared for the "
          + "earlier ones: " + e.getMessage());
      return Optional.empty();
    }
    // The create may have happened (lost response, 500 after commit): the marker search runs again first, and
    // the claim keeps any other create back until a create still running in KFP would have become visible.
    Duration delay = retryDelay(key, e);
    reportUnsynced(run, e);
    LOG.info("{}: submission attempt failed, next in {}: {}", ref(run), delay, e.getMessage());
    return Optional.of(delay);
  }

  private void reportNotSubmitted(Run run, String reason, String message) {
    if (setCondition(run, SUBMITTED, "False", reason, message)) {
      events.warning(run, reason, message);
      LOG.info("{}: not submitted: {}", ref(run), message);
    }
    setCondition(run, SYNCED, "True", RunConditions.REASON_OK, "KFP answered");
  }

  /**
   * Observes the recorded KFP run and acts on the user's commands; returns when to look again. A run that this
   * reconcile just created or found is observed as KFP returned it, without another read.
   */
  private Optional<Duration> followRun(Run run, Optional<KfpRun> justSubmitted) {
    RunStatus status = run.getStatus();
    String key = run.getMetadata().getUid();
    checkSpecUnchanged(run);
    try {
      KfpRun kfpRun = justSubmitted.isPresent() ? justSubmitted.get() : kfp(run).getRun(status.getRunId());
      String implausible = implausible(kfpRun, status.getRunId());
      if (implausible != null) {
        String message = implausible + "; the last known state " + status.getState() + " is kept";
        if (setCondition(run, SYNCED, "False", RunConditions.REASON_KFP_BAD_ANSWER, message)) {
          events.warning(run, RunConditions.REASON_KFP_BAD_ANSWER, message);
          LOG.warn("{}: {}", ref(run), message);
        }
        return Optional.of(backoff.next(key));
      }
      observe(run, kfpRun);
      if (act(run, kfpRun)) {
        observe(run, kfp(run).getRun(status.getRunId()));
      }
      backoff.reset(key);
      refusals.reset(key);
      setCondition(run, SYNCED, "True", RunConditions.REASON_OK, "KFP run " + status.getRunId() + " read");
      return lookAgainAfter(isTerminal(status) ? settings.resyncInterval() : settings.pollInterval());
    } catch (RefusedCommand refused) {
      if (setCondition(run, SYNCED, "False", RunConditions.REASON_COMMAND_REFUSED, refused.getMessage())) {
        events.warning(run, RunConditions.REASON_COMMAND_REFUSED, refused.getMessage());
        LOG.info("{}: {}", ref(run), refused.getMessage());
      }
      return Optional.of(refusals.next(key));
    } catch (KfpException e) {
      if (e.isNotFound()) {
        String message = "KFP run " + status.getRunId() + " no longer exists (deleted outside the operator); "
            + "it is not recreated. Delete this Run, or create a new one to run the pipeline again";
        if (setCondition(run, SYNCED, "False", RunConditions.REASON_RUN_DELETED, message)) {
          events.warning(run, RunConditions.REASON_RUN_DELETED, message);
        }
        return lookAgainAfter(settings.resyncInterval());
      }
      reportUnsynced(run, e);
      if (e.isListing() && !settings.pollsEachRun()) {
        return Optional.empty(); // the status sync's list failed: the sync lists again, the only path retrying
      }
      return Optional.of(e.isRetryable() ? retryDelay(key, e) : refusals.next(key));
    }
  }

  /** In per-run sync the reconcile schedules the next read itself; otherwise the status sync triggers it. */
  private Optional<Duration> lookAgainAfter(Duration delay) {
    return settings.pollsEachRun() ? Optional.of(delay) : Optional.empty();
  }

  private void observe(Run run, KfpRun kfpRun) {
    RunStatus status = run.getStatus();
    diagnostician.diagnose(run, kfpRun, kfp(run));
    String previous = observer.observe(status, kfpRun, run.getMetadata().getGeneration());
    if (previous != null) {
      String message = "KFP run " + kfpRun.runId() + ": " + previous + " -> " + status.getState();
      if (kfpRun.state() == KfpRuntimeState.FAILED) {
        events.warning(run, "StateChanged", message);
      } else {
        events.normal(run, "StateChanged", message);
      }
      LOG.info("{}: {}", ref(run), message);
    }
  }

  /** Why an answer KFP gave for a run cannot be trusted, or null when it can. */
  private static String implausible(KfpRun kfpRun, String runId) {
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

  /** Carries out the archived flag and the terminate and retry commands; true when KFP was changed. */
  private boolean act(Run run, KfpRun kfpRun) {
    RunStatus status = run.getStatus();
    boolean changed = false;
    Boolean archived = run.getSpec().getArchived();
    if (archived != null && archived != RunObserver.isArchived(kfpRun)) {
      try {
        if (archived) {
          kfp(run).archiveRun(kfpRun.runId());
          events.normal(run, "Archived", "archived KFP run " + kfpRun.runId());
        } else {
          kfp(run).unarchiveRun(kfpRun.runId());
          events.normal(run, "Unarchived", "unarchived KFP run " + kfpRun.runId());
        }
      } catch (KfpException e) {
        if (e.isRetryable() || e.isNotFound() || e.isUnauthorized()) {
          throw e;
        }
        throw new RefusedCommand("KFP refused to " + (archived ? "archive" : "unarchive") + " run "
            + kfpRun.runId() + " (" + e.getMessage() + "). "
            + (archived ? "Remove spec.archived, or set it to false, to stop asking"
                : "A run of an archived experiment stays archived: unarchive the experiment in KFP, or remove "
                    + "spec.archived or set it to true")
            + "; until then the operator asks again only every " + settings.resyncInterval().toSeconds()
            + " s or longer");
      }
      LOG.info("{}: {} KFP run {}", ref(run), archived ? "archived" : "unarchived", kfpRun.runId());
      changed = true;
    }
    String terminate = run.annotation(Run.TERMINATE_ANNOTATION);
    if (terminate != null && !terminate.isEmpty() && status.getTerminated() == null) {
      changed |= terminate(run, kfpRun);
    }
    String retry = run.annotation(Run.RETRY_ANNOTATION);
    if (retry != null && !retry.isEmpty() && !retry.equals(status.getLastRetry())) {
      changed |= retry(run, kfpRun, retry);
    }
    return changed;
  }

  /** KFP refused what the spec asks for; the message says what the user can change. */
  private static final class RefusedCommand extends RuntimeException {
    RefusedCommand(String message) {
      super(message, null, false, false);
    }
  }

  private boolean terminate(Run run, KfpRun kfpRun) {
    RunStatus status = run.getStatus();
    if (kfpRun.state() != null && kfpRun.state().isTerminable()) {
      try {
        kfp(run).terminateRun(kfpRun.runId());
        status.setTerminated(true);
        events.normal(run, "Terminated", "terminated KFP run " + kfpRun.runId() + " (was " + kfpRun.state() + ")");
        LOG.info("{}: terminated KFP run {}", ref(run), kfpRun.runId());
        return true;
      } catch (KfpException e) {
        if (e.httpStatus() != 400) {
          throw e;
        }
      }
    }
    // The run is past the point where terminating means anything; note that the command was seen.
    status.setTerminated(false);
    events.normal(run, "TerminateIgnored", "KFP run " + kfpRun.runId() + " is " + kfpRun.state()
        + "; only PENDING, RUNNING or PAUSED runs can be terminated");
    return false;
  }

  private boolean retry(Run run, KfpRun kfpRun, String token) {
    RunStatus status = run.getStatus();
    status.setLastRetry(token);
    String rejection = null;
    if (kfpRun.state() == KfpRuntimeState.FAILED) {
      try {
        kfp(run).retryRun(kfpRun.runId());
        if (status.wasTerminated()) {
          status.setTerminated(false);
        }
        setCondition(run, RunConditions.RETRIED, "True", RunConditions.REASON_RETRIED,
            "retry '" + token + "' sent to KFP");
        events.normal(run, "Retried", "retried KFP run " + kfpRun.runId() + " (token '" + token + "')");
        LOG.info("{}: retried KFP run {} for token {}", ref(run), kfpRun.runId(), token);
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
    setCondition(run, RunConditions.RETRIED, "False", RunConditions.REASON_RETRY_REJECTED, message);
    events.warning(run, RunConditions.REASON_RETRY_REJECTED, message);
    return false;
  }

  private void checkSpecUnchanged(Run run) {
    RunStatus status = run.getStatus();
    if (status.getSpecHash() == null) {
      return;
    }
    List<String> changed = SpecFingerprint.changedFields(status.getSpecHash(), run.getSpec());
    if (changed.isEmpty()) {
      if (!status.isTrue(SUBMITTED)) {
        setCondition(run, SUBMITTED, "True", RunConditions.REASON_SPEC_REVERTED, "KFP run " + status.getRunId()
            + "; the spec matches it again");
      }
      return;
    }
    String message = String.join(", ", changed) + " changed after KFP run " + status.getRunId()
        + " was created; a KFP run cannot change, so nothing was sent. Revert the edit, or create a new Run";
    if (setCondition(run, SUBMITTED, "False", RunConditions.REASON_SPEC_CHANGED, message)) {
      events.warning(run, RunConditions.REASON_SPEC_CHANGED, message);
    }
  }

  private void reportUnsynced(Run run, KfpException e) {
    String reason = e.httpStatus() == 401 || e.httpStatus() == 403 ? RunConditions.REASON_UNAUTHORIZED
        : e.isRetryable() ? RunConditions.REASON_KFP_UNREACHABLE : RunConditions.REASON_KFP_ERROR;
    String message = e.getMessage() + (run.getStatus().getState() == null ? ""
        : "; last known state " + run.getStatus().getState() + " kept");
    if (setCondition(run, SYNCED, "False", reason, message)) {
      events.warning(run, reason, e.getMessage());
    }
  }

  /**
   * A Run this operator version cannot read (a newer CRD wrote a value of another type) is reported and left
   * alone: no KFP call and no status write, since writing a status read as empty could erase what it holds.
   * Any edit of the object, or an operator that can read it, reconciles it again.
   */
  private void reportUnreadable(Run run) {
    String message = "this operator version cannot read the Run, so it leaves it (and its KFP run) alone: "
        + run.unreadable() + ". Fix the value, or run an operator version that matches the installed CRD.";
    events.warning(run, RunConditions.REASON_UNREADABLE, message);
    LOG.warn("{}: {}", ref(run), message);
  }

  @Override
  public DeleteControl cleanup(Run run, Context<Run> context) {
    if (run.unreadable() != null) {
      reportUnreadable(run);
      return DeleteControl.noFinalizerRemoval();
    }
    String key = run.getMetadata().getUid();
    DeletionPolicy policy = run.getSpec() == null ? DeletionPolicy.Archive
        : run.getSpec().effectiveDeletionPolicy().orElse(DeletionPolicy.Archive);
    try {
      if (policy == DeletionPolicy.Orphan) {
        backoff.reset(key);
        return DeleteControl.defaultDelete();
      }
      Instant searchStarted = clock.instant();
      String runId = runIdForCleanup(run);
      if (runId == null) {
        SubmissionClaim claim = run.getStatus() == null ? null : run.getStatus().getClaim();
        if (claim != null && claim.isLive(searchStarted, settings.createWindow())) {
          // A create may still be running in KFP; its run must get the deletion policy when it shows.
          Instant until = claim.liveUntil(settings.createWindow());
          LOG.info("{}: create attempt {} may still be running in KFP; the finalizer stays until {}", ref(run),
              claim.attempt(), until);
          Duration left = Duration.between(clock.instant(), until);
      left = left.isNegative() ? Duration.ZERO : left;
          Duration soon = backoff.next(key);
          return DeleteControl.noFinalizerRemoval().rescheduleAfter(
              (left.compareTo(soon) < 0 ? left : soon).plus(CLAIM_MARGIN).toMillis());
        }
        backoff.reset(key);
        return DeleteControl.defaultDelete();
      }
      KfpRun kfpRun = kfp(run).getRun(runId);
      if (kfpRun.state() != null && kfpRun.state().isTerminable()) {
        try {
          kfp(run).terminateRun(runId);
        } catch (KfpException e) {
          if (e.httpStatus() != 400) {
            throw e;
          }
        }
      }
      if (policy == DeletionPolicy.Delete) {
        kfp(run).deleteRun(runId);
        events.normal(run, "Deleted", "deleted KFP run " + runId);
      } else if (!RunObserver.isArchived(kfpRun)) {
        kfp(run).archiveRun(runId);
        events.normal(run, "Archived", "archived KFP run " + runId + " (deletion policy Archive)");
      }
      LOG.info("{}: cleaned up KFP run {} with policy {}", ref(run), runId, policy);
      backoff.reset(key);
      diagnostician.forget(run);
      return DeleteControl.defaultDelete();
    } catch (KfpException e) {
      if (e.isNotFound()) {
        backoff.reset(key);
        return DeleteControl.defaultDelete();
      }
      String message = "deletion policy " + policy + " could not be carried out, the finalizer stays until it is: "
          + e.getMessage();
      events.warning(run, RunConditions.REASON_DELETION_BLOCKED, message);
      LOG.info("{}: {}", ref(run), message);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(backoff.next(key).toMillis());
    }
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
    return findByMarker(run, SubmissionMarker.of(run), experimentId == null || experimentId.isEmpty() ? null
        : experimentId).map(KfpRun::runId).orElse(null);
  }

  /** The next backoff step, but never sooner than KFP asked (Retry-After on 429 and 503). */
  private Duration retryDelay(String key, KfpException e) {
    Duration delay = backoff.next(key);
    return e.retryAfter().filter(after -> after.compareTo(delay) > 0).orElse(delay);
  }

  /** The client for calls on behalf of this Run's namespace. */
  private KfpClient kfp(Run run) {
    return kfpClients.forNamespace(run.getMetadata().getNamespace());
  }

  private static boolean isTerminal(RunStatus status) {
    try {
      return status.getState() != null && KfpRuntimeState.valueOf(status.getState()).isTerminal();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Sets a condition; true when its status or reason changed (worth an event). */
  private static boolean setCondition(Run run, String type, String status, String reason, String message) {
    Optional<Condition> previous = run.getStatus().condition(type);
    boolean transition = previous.isEmpty() || !previous.get().getStatus().equals(status)
        || !Objects.equals(previous.get().getReason(), reason);
    run.getStatus().putCondition(RunObserver.condition(type, status, reason, message,
        run.getMetadata().getGeneration()));
    return transition;
  }

  private static String ref(Run run) {
    return run.getMetadata().getNamespace() + "/" + run.getMetadata().getName();
  }
}
