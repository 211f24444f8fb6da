package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.TestClock;
import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunSpec;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.kfp.LogTailLimits;
import dev.kfp.operator.reconciler.cleanup.RunCleanup;
import dev.kfp.operator.reconciler.cleanup.TtlAfterFinished;
import dev.kfp.operator.reconciler.follow.ActiveDeadline;
import dev.kfp.operator.reconciler.follow.FailureDiagnostician;
import dev.kfp.operator.reconciler.follow.RunFollower;
import dev.kfp.operator.reconciler.follow.RunObserver;
import dev.kfp.operator.reconciler.follow.SyncStrategy;
import dev.kfp.operator.reconciler.follow.UserCommands;
import dev.kfp.operator.reconciler.phase.ReconcilerSettings;
import dev.kfp.operator.reconciler.phase.RetrySchedule;
import dev.kfp.operator.reconciler.queue.QueueGate;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import dev.kfp.operator.reconciler.submit.MarkerSearch;
import dev.kfp.operator.reconciler.submit.PipelineResolver;
import dev.kfp.operator.reconciler.submit.RunSubmitter;
import dev.kfp.operator.reconciler.submit.RunValidator;
import dev.kfp.operator.reconciler.submit.SpecFingerprint;
import dev.kfp.operator.reconciler.submit.SubmissionMarker;
import dev.kfp.operator.sync.PerRunSync;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reconciler's phases wired as {@link RunReconciler#create} wires them, but to a {@link FakeKfp}, recorded
 * events and a clock that moves only when the test moves it: no JOSDK, no Kubernetes, no HTTP.
 */
final class Phases {

  static final Duration POLL = Duration.ofSeconds(1);
  static final Duration RESYNC = Duration.ofSeconds(60);
  static final Duration CREATE_WINDOW = Duration.ofSeconds(8);
  static final String INSTANCE = "operator-1";
  static final String NAMESPACE = "team-a";

  final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
  final FakeKfp kfp = new FakeKfp(clock);
  final RecordedEvents events = new RecordedEvents();
  final StatusRecorder recorder = new StatusRecorder(events, clock);
  final RetrySchedule retries = new RetrySchedule(RESYNC);
  /** The PipelineVersion objects of KFP's Kubernetes-native mode the submitter finds, by namespace/name. */
  final Map<String, ObjectMeta> pipelineVersions = new HashMap<>();
  final FakeQueues queues = new FakeQueues();
  /** The Runs as the API server stores them, by name, for what the cache leaves out; and how often they were read. */
  final Map<String, Run> storedRuns = new HashMap<>();
  final List<String> storedRunReads = new ArrayList<>();
  private final KfpClientProvider clients = KfpClientProvider.shared(kfp);
  private final MarkerSearch markers = new MarkerSearch(clients);
  private final FailureDiagnostician diagnostician = new FailureDiagnostician(recorder, LogTailLimits.defaults());

  RunSubmitter submitter() {
    return submitter(false);
  }

  /** @param checkExperimentNamespace as in multi-user KFP */
  RunSubmitter submitter(boolean checkExperimentNamespace) {
    ReconcilerSettings settings = new ReconcilerSettings(POLL, RESYNC, null, true, checkExperimentNamespace,
        CREATE_WINDOW);
    return new RunSubmitter(clients, new RunValidator((namespace, name) -> Optional.empty()),
        new PipelineResolver(clients, (ns, name) -> Optional.ofNullable(pipelineVersions.get(ns + "/" + name)),
            recorder), markers, recorder, retries, settings, gate(), INSTANCE, clock);
  }

  /** The queue gate, on {@link #queues}. */
  QueueGate gate() {
    return new QueueGate(queues, recorder, clock);
  }

  /** The follow phase under per-run sync (poll interval {@link #POLL}, resync {@link #RESYNC}). */
  RunFollower follower() {
    return follower(new PerRunSync(POLL, RESYNC));
  }

  RunFollower follower(SyncStrategy sync) {
    return new RunFollower(clients, new RunObserver(null), diagnostician, new UserCommands(clients, recorder, RESYNC),
        new ActiveDeadline(clients, recorder, clock), recorder, retries, sync, (namespace, name) -> {
          storedRunReads.add(name);
          return Optional.ofNullable(storedRuns.get(name));
        });
  }

  RunCleanup cleanup() {
    return new RunCleanup(clients, markers, recorder, diagnostician, retries, CREATE_WINDOW, clock);
  }

  /** @param defaultSeconds the operator-wide TTL after finish, or null for none */
  TtlAfterFinished ttl(Long defaultSeconds) {
    return new TtlAfterFinished(cleanup(), recorder, retries, defaultSeconds, clock);
  }

  /** A Run of a stored pipeline, as it arrives before its first reconcile (an empty status). */
  static Run newRun(String name) {
    Run run = new Run();
    run.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).withUid("uid-" + name)
        .withGeneration(1L).withResourceVersion("1").build());
    RunSpec spec = new RunSpec();
    spec.setPipeline(new PipelineSource(new PipelineSource.VersionRef("pipeline-1", null), null, null));
    run.setSpec(spec);
    run.setStatus(new RunStatus());
    return run;
  }

  /**
   * A Run whose KFP run exists in the fake KFP in {@code state} and whose status shows it, as after a
   * successful submission and look.
   */
  Run followedRun(String name, KfpRuntimeState state) {
    Run run = newRun(name);
    KfpRun kfpRun = kfp.store(new KfpRun(null, "run-of-" + name, name, KfpStorageState.AVAILABLE,
        SubmissionMarker.of(run).describe(null), null, null, null, null, clock.instant(), clock.instant(), null,
        state, null, null, null, null, null));
    RunStatus status = run.getStatus();
    status.setRunId(kfpRun.runId());
    status.setSpecHash(SpecFingerprint.of(run.getSpec()));
    status.setState(state.name());
    status.setStorageState(KfpStorageState.AVAILABLE.name());
    recorder.condition(run, RunConditions.SUBMITTED, "True", RunConditions.REASON_CREATED, "KFP run "
        + kfpRun.runId(), StatusRecorder.Notice.QUIET);
    return run;
  }

  /** Asserts the condition's status and reason; its message is in the failure's description. */
  static void assertCondition(Run run, String type, String status, String reason) {
    Condition condition = condition(run, type);
    assertThat(List.of(condition.getStatus(), condition.getReason())).as(type + ": " + condition.getMessage())
        .containsExactly(status, reason);
  }

  static Condition condition(Run run, String type) {
    return run.getStatus().condition(type).orElseThrow(() -> new AssertionError("no " + type + " condition"));
  }
}
