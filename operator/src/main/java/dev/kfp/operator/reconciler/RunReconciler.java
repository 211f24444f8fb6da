package dev.kfp.operator.reconciler;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.LogTailLimits;
import dev.kfp.operator.lifecycle.RunLifecycle;
import dev.kfp.operator.reconciler.cleanup.RunCleanup;
import dev.kfp.operator.reconciler.cleanup.TtlAfterFinished;
import dev.kfp.operator.reconciler.follow.ActiveDeadline;
import dev.kfp.operator.reconciler.follow.FailureDiagnostician;
import dev.kfp.operator.reconciler.follow.RunFollower;
import dev.kfp.operator.reconciler.follow.RunObserver;
import dev.kfp.operator.reconciler.follow.StoredRuns;
import dev.kfp.operator.reconciler.follow.SyncStrategy;
import dev.kfp.operator.reconciler.follow.UserCommands;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.phase.ReconcilerSettings;
import dev.kfp.operator.reconciler.phase.RetrySchedule;
import dev.kfp.operator.reconciler.queue.ClusterQueueStore;
import dev.kfp.operator.reconciler.queue.QueueGate;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.RunEvents;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import dev.kfp.operator.reconciler.status.StatusWrite;
import dev.kfp.operator.reconciler.status.StatusWriter;
import dev.kfp.operator.reconciler.submit.MarkerSearch;
import dev.kfp.operator.reconciler.submit.PipelineResolver;
import dev.kfp.operator.reconciler.submit.PipelineVersionObjects;
import dev.kfp.operator.reconciler.submit.RunSubmitter;
import dev.kfp.operator.reconciler.submit.RunValidator;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One reconcile of a Run, as a story in phases: a Run without a KFP run is submitted ({@link RunSubmitter}),
 * one with a KFP run is followed ({@link RunFollower}, which has {@link UserCommands} carried out) until its
 * time to live after finishing is over ({@link TtlAfterFinished}), a deleted one is cleaned up
 * ({@link RunCleanup}). A Run naming a RunQueue is submitted only once {@link QueueGate} admitted it, and after
 * each of its reconciles the gate brings the queue's status up to date (a slot freed triggers the next Run).
 * The status is written once at the end, by {@link StatusWriter}; the {@link SyncStrategy} says where the run
 * already read is and when to look again. docs/developing/architecture.md tells the whole story.
 */
@ControllerConfiguration(
    name = "run",
    finalizerName = Run.FINALIZER,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = RunChangeFilter.class))
public class RunReconciler implements Reconciler<Run>, Cleaner<Run> {

  /** A reconcile that found the Run changed under it looks again after this long. */
  static final Duration STALE_RETRY = Duration.ofSeconds(1);

  private final RunSubmitter submitter;
  private final RunFollower follower;
  private final TtlAfterFinished ttl;
  private final RunCleanup cleanup;
  private final StatusRecorder recorder;
  private final SyncStrategy sync;
  private final ClusterQueueStore queueStore;
  private final QueueGate queues;

  RunReconciler(RunSubmitter submitter, RunFollower follower, TtlAfterFinished ttl, RunCleanup cleanup,
      StatusRecorder recorder, SyncStrategy sync, ClusterQueueStore queueStore, QueueGate queues) {
    this.submitter = submitter;
    this.follower = follower;
    this.ttl = ttl;
    this.cleanup = cleanup;
    this.recorder = recorder;
    this.sync = sync;
    this.queueStore = queueStore;
    this.queues = queues;
  }

  /**
   * The reconciler with its phases wired to one another.
   *
   * @param storedRuns reads a Run from the API server, for what the informer cache leaves out
   * @param instance this operator instance's name in submission claims; unique per process start
   */
  public static RunReconciler create(KfpClientProvider kfp, RunValidator validator,
      PipelineVersionObjects pipelineVersions, RunEvents events, ReconcilerSettings settings, SyncStrategy sync,
      StoredRuns storedRuns, String instance) {
    Clock clock = Clock.systemUTC();
    StatusRecorder recorder = new StatusRecorder(events, clock);
    RetrySchedule retries = new RetrySchedule(settings.resyncInterval());
    MarkerSearch markers = new MarkerSearch(kfp);
    FailureDiagnostician diagnostician = new FailureDiagnostician(recorder, LogTailLimits.defaults());
    RunCleanup cleanup = new RunCleanup(kfp, markers, recorder, diagnostician, retries, settings.createWindow(),
        clock);
    ClusterQueueStore queueStore = new ClusterQueueStore();
    QueueGate queues = new QueueGate(queueStore, recorder, clock);
    return new RunReconciler(
        new RunSubmitter(kfp, validator, new PipelineResolver(kfp, pipelineVersions, recorder), markers, recorder,
            retries, settings, queues, instance, clock),
        new RunFollower(kfp, new RunObserver(settings.uiBaseUrl()), diagnostician,
            new UserCommands(kfp, recorder, settings.resyncInterval()), new ActiveDeadline(kfp, recorder, clock),
            recorder, retries, sync, storedRuns),
        new TtlAfterFinished(cleanup, recorder, retries, settings.ttlSecondsAfterFinished(), clock),
        cleanup, recorder, sync, queueStore, queues);
  }

  @Override
  public List<EventSource<?, Run>> prepareEventSources(EventSourceContext<Run> context) {
    List<EventSource<?, Run>> sources = new ArrayList<>(sync.eventSources(context));
    sources.add(queueStore.eventSource(context));
    return sources;
  }

  @Override
  public UpdateControl<Run> reconcile(Run run, Context<Run> context) {
    if (run.unreadable() != null) {
      reportUnreadable(run);
      return UpdateControl.noUpdate();
    }
    return reconcile(run, new StatusWriter(run, context), () -> sync.latestRead(run, context),
        () -> deleteUnlessChanged(run, context));
  }

  /**
   * One reconcile of a readable Run, without JOSDK: submit it if it has no KFP run, follow it (and check its
   * time to live) if it has one, write its status once, bring its queue up to date, and delete it if its time to
   * live is over.
   *
   * @param writer writes the Run's status (the submission claim in the middle, everything else at the end)
   * @param latestRead the KFP run as the status sync already read it, when it did
   * @param deleteUnlessChanged deletes the Run unless it changed since it was read; false when it had
   */
  UpdateControl<Run> reconcile(Run run, StatusWrite writer, Supplier<Optional<KfpRun>> latestRead,
      BooleanSupplier deleteUnlessChanged) {
    if (run.getStatus() == null) {
      run.setStatus(new RunStatus());
    }
    RunStatus status = run.getStatus();
    status.setObservedGeneration(run.getMetadata().getGeneration());
    PhaseResult result = PhaseResult.NONE;
    if (status.getRunId() == null) {
      result = submitter.submit(run, writer);
      result.kfpRun().ifPresent(sync::readByReconcile);
    }
    if (!result.stale() && status.getRunId() != null && !RunLifecycle.of(status).isCleaned()) {
      Optional<KfpRun> submitted = result.kfpRun();
      result = result
          .and(follower.follow(run, () -> submitted.isPresent() ? submitted : latestRead.get(),
              sync::readByReconcile, ttl.isOver(run)))
          .and(ttl.check(run));
    }
    if (result.stale() || writer.write() == StatusWriter.Outcome.STALE) {
      return staleObject(run);
    }
    if (status.getRunId() != null) {
      sync.recorded(run);
    }
    queues.refresh(run);
    if (result.deleteRun()) {
      return deleteUnlessChanged.getAsBoolean() ? UpdateControl.noUpdate() : staleObject(run);
    }
    UpdateControl<Run> control = UpdateControl.noUpdate();
    result.lookAgainIn().ifPresent(control::rescheduleAfter);
    return control;
  }

  @Override
  public DeleteControl cleanup(Run run, Context<Run> context) {
    if (run.unreadable() != null) {
      reportUnreadable(run);
      return DeleteControl.noFinalizerRemoval();
    }
    PhaseResult result = cleanup.cleanup(run);
    queues.refresh(run);
    return result.lookAgainIn()
        .map(delay -> DeleteControl.noFinalizerRemoval().rescheduleAfter(delay.toMillis()))
        .orElseGet(DeleteControl::defaultDelete);
  }

  /**
   * Deletes a Run whose time to live is over, unless it changed since this reconcile read it (the delete is
   * conditional on its resourceVersion: an edit, such as a longer TTL, is decided on again). The finalizer then
   * has its deletion policy applied to the KFP run.
   *
   * @return false when the Run changed since it was read; true when it is deleted or already gone
   */
  private static boolean deleteUnlessChanged(Run run, Context<Run> context) {
    try {
      context.getClient().resource(run).lockResourceVersion(run.getMetadata().getResourceVersion()).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return false;
      }
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
    }
    return true;
  }

  /**
   * Someone wrote the Run since this reconcile read it; what it decided is dropped, and the next reconcile
   * decides again from the newer object.
   */
  private UpdateControl<Run> staleObject(Run run) {
    recorder.log(run, "the Run changed while it was reconciled; looking again");
    return UpdateControl.<Run>noUpdate().rescheduleAfter(STALE_RETRY);
  }

  /**
   * A Run this operator version cannot read (a newer CRD wrote a value of another type) is reported and left
   * alone: no KFP call and no status write, since writing a status read as empty could erase what it holds.
   * Any edit of the object, or an operator that can read it, reconciles it again.
   */
  private void reportUnreadable(Run run) {
    recorder.warning(run, EventReason.UNREADABLE, "this operator version cannot read the Run, so it "
        + "leaves it (and its KFP run) alone: " + run.unreadable() + ". Fix the value, or run an operator version "
        + "that matches the installed CRD.");
  }
}
