package dev.kfp.operator.reconciler;

import static dev.kfp.operator.api.RunConditions.RETRIED;
import static dev.kfp.operator.api.RunConditions.SUBMITTED;
import static dev.kfp.operator.api.RunConditions.SUCCEEDED;
import static dev.kfp.operator.api.RunConditions.SYNCED;
import static dev.kfp.operator.reconciler.Phases.POLL;
import static dev.kfp.operator.reconciler.Phases.RESYNC;
import static dev.kfp.operator.reconciler.Phases.assertCondition;
import static dev.kfp.operator.reconciler.Phases.condition;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpErrors;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.reconciler.follow.RunFollower;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import dev.kfp.operator.reconciler.submit.SpecFingerprint;
import dev.kfp.operator.sync.BulkSync;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The follow phase's rules, with the user commands it has carried out: a look copies KFP's run into the status
 * and says when to look again; an answer that cannot be trusted, a failed call or an edited spec never
 * changes the last known state; each command acts once. Against {@link FakeKfp}, a fake.
 */
class RunFollowerTest {

  private final Phases phases = new Phases();
  private final FakeKfp kfp = phases.kfp;
  private final RunFollower follower = phases.follower();
  private final List<KfpRun> readsHandedToTheSync = new ArrayList<>();

  /** Follows the Run, reading its KFP run from KFP (nothing read by the sync). */
  private Optional<Duration> follow(Run run) {
    return follower.follow(run, Optional::empty, readsHandedToTheSync::add, false).lookAgainIn();
  }

  private void kfpMoves(Run run, UnaryOperator<KfpRun> change) {
    String runId = run.getStatus().getRunId();
    kfp.store(change.apply(kfp.run(runId)));
  }

  private static void annotate(Run run, String key, String value) {
    run.getMetadata().setAnnotations(Map.of(key, value));
  }

  @Test
  void anActiveRunIsLookedAtAgainAfterThePollIntervalAndAFinishedOneAfterTheResync() {
    Run run = phases.followedRun("train", KfpRuntimeState.PENDING);
    kfpMoves(run, r -> FakeKfp.withState(r, KfpRuntimeState.RUNNING));

    Optional<Duration> active = follow(run);

    assertThat(kfp.calls()).containsExactly("GetRun");
    assertThat(readsHandedToTheSync).extracting(KfpRun::state).containsExactly(KfpRuntimeState.RUNNING);
    assertThat(run.getStatus().getState()).isEqualTo("RUNNING");
    assertCondition(run, SYNCED, "True", RunConditions.REASON_OK);
    assertCondition(run, SUCCEEDED, "Unknown", "Running");
    assertThat(phases.events.all()).singleElement().satisfies(e -> {
      assertThat(e.reason()).isEqualTo("StateChanged");
      assertThat(e.message()).endsWith("PENDING -> RUNNING");
    });
    assertThat(active).hasValue(POLL);

    kfpMoves(run, r -> FakeKfp.withState(r, KfpRuntimeState.SUCCEEDED));
    assertThat(follow(run)).hasValue(RESYNC);
    assertCondition(run, SUCCEEDED, "True", "Succeeded");
  }

  @Test
  void aRunTheSyncHasJustReadIsNotReadAgain() {
    Run run = phases.followedRun("listed", KfpRuntimeState.PENDING);
    KfpRun listed = FakeKfp.withState(kfp.run(run.getStatus().getRunId()), KfpRuntimeState.RUNNING);

    follower.follow(run, () -> Optional.of(listed), readsHandedToTheSync::add, false);

    assertThat(kfp.calls()).isEmpty();
    assertThat(readsHandedToTheSync).isEmpty();
    assertThat(run.getStatus().getState()).isEqualTo("RUNNING");
  }

  /** How an answer for a run cannot be trusted. */
  enum BadAnswer {
    UNKNOWN_STATE, ANOTHER_RUN, NO_RUN_ID, NO_STATE;

    KfpRun spoil(KfpRun run) {
      return switch (this) {
        case UNKNOWN_STATE -> FakeKfp.withState(run, KfpRuntimeState.UNRECOGNIZED);
        case ANOTHER_RUN -> FakeKfp.withRunId(run, "someone-else");
        case NO_RUN_ID -> FakeKfp.withRunId(run, null);
        case NO_STATE -> FakeKfp.withState(run, null);
      };
    }
  }

  @ParameterizedTest
  @EnumSource(BadAnswer.class)
  void aBadAnswerKeepsTheLastKnownState(BadAnswer bad) {
    Run run = phases.followedRun("spoiled", KfpRuntimeState.RUNNING);
    String runId = run.getStatus().getRunId();
    KfpRun finished = FakeKfp.withState(kfp.run(runId), KfpRuntimeState.SUCCEEDED);
    kfp.answerReadsOf(runId, bad.spoil(finished));

    Optional<Duration> first = follow(run);
    Optional<Duration> second = follow(run);

    assertThat(run.getStatus().getState()).isEqualTo("RUNNING");
    assertThat(run.getStatus().getRunId()).isEqualTo(runId);
    assertCondition(run, SYNCED, "False", RunConditions.REASON_KFP_BAD_ANSWER);
    assertThat(condition(run, SYNCED).getMessage()).contains("the last known state RUNNING is kept");
    assertThat(run.getStatus().condition(SUCCEEDED)).as("no verdict from an answer not trusted").isEmpty();
    assertThat(phases.events.warnings()).extracting(RecordedEvents.Event::reason)
        .containsExactly(RunConditions.REASON_KFP_BAD_ANSWER);
    assertThat(first).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(1)));
    assertThat(second).hasValueSatisfying(d -> assertThat(d).isBetween(Duration.ofMillis(1600),
        Duration.ofSeconds(2)));
    assertThat(kfp.calls()).containsExactly("GetRun", "GetRun");

    kfp.answerReadsOf(runId, finished);
    follow(run);
    assertThat(run.getStatus().getState()).isEqualTo("SUCCEEDED");
    assertCondition(run, SYNCED, "True", RunConditions.REASON_OK);
  }

  @Test
  void anUnreachableKfpKeepsTheStateAndBacksOff() {
    Run run = phases.followedRun("unreachable", KfpRuntimeState.RUNNING);
    kfp.failNext("GetRun", KfpErrors.answered("GetRun", 503, "service unavailable"));
    kfp.failNext("GetRun", KfpErrors.timedOut("GetRun"));

    Duration first = follow(run).orElseThrow();
    Duration second = follow(run).orElseThrow();

    assertThat(run.getStatus().getState()).isEqualTo("RUNNING");
    assertCondition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE);
    assertThat(condition(run, SYNCED).getMessage()).endsWith("last known state RUNNING kept");
    assertThat(phases.events.warnings()).hasSize(1);
    assertThat(first).isBetween(Duration.ofMillis(800), Duration.ofSeconds(1));
    assertThat(second).isBetween(Duration.ofMillis(1600), Duration.ofSeconds(2));

    assertThat(follow(run)).as("a success starts the poll again").hasValue(POLL);
    assertThat(phases.retries.failures(run.getMetadata().getUid())).isZero();
  }

  @Test
  void aFailedListHandedOnIsLeftToTheBulkSyncToRetry() {
    RunFollower bulk = phases.follower(new BulkSync(KfpClientProvider.shared(kfp), POLL, RESYNC));
    Run run = phases.followedRun("listed", KfpRuntimeState.RUNNING);
    KfpException listFailed = KfpErrors.answered("ListRuns", 503, "service unavailable");

    Optional<Duration> next = bulk.follow(run, () -> {
      throw listFailed;
    }, readsHandedToTheSync::add, false).lookAgainIn();

    assertThat(next).as("the sync lists again; the reconcile does not reschedule").isEmpty();
    assertThat(kfp.calls()).isEmpty();
    assertCondition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE);
    assertThat(run.getStatus().getState()).isEqualTo("RUNNING");
  }

  @Test
  void aRunDeletedInKfpIsReportedAndNotRecreated() {
    Run run = phases.followedRun("deleted-outside", KfpRuntimeState.RUNNING);
    kfp.removeOutsideTheOperator(run.getStatus().getRunId());

    Optional<Duration> next = follow(run);
    follow(run);

    assertThat(kfp.calls()).containsExactly("GetRun", "GetRun");
    assertCondition(run, SYNCED, "False", RunConditions.REASON_RUN_DELETED);
    assertThat(condition(run, SYNCED).getMessage()).contains("no longer exists", "it is not recreated");
    assertThat(run.getStatus().getState()).isEqualTo("RUNNING");
    assertThat(next).as("settled: the resync looks again").hasValue(RESYNC);
    assertThat(phases.events.warnings()).hasSize(1);
  }

  @Test
  void anEditedSpecIsReportedAndNothingIsSent() {
    Run run = phases.followedRun("edited", KfpRuntimeState.RUNNING);
    run.getSpec().setDisplayName("another name");

    follow(run);
    follow(run);

    assertThat(kfp.calls()).as("reads only").containsExactly("GetRun", "GetRun");
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_SPEC_CHANGED);
    assertThat(condition(run, SUBMITTED).getMessage()).contains("spec.displayName changed after KFP run "
        + run.getStatus().getRunId(), "nothing was sent");
    assertThat(phases.events.warnings()).extracting(RecordedEvents.Event::reason)
        .containsExactly(RunConditions.REASON_SPEC_CHANGED);
    assertThat(run.getStatus().getRunId()).isEqualTo("run-of-edited");

    run.getSpec().setDisplayName(null);
    follow(run);
    assertCondition(run, SUBMITTED, "True", RunConditions.REASON_SPEC_REVERTED);
  }

  /**
   * The cache's copy of a submitted Run lacks its parameters (and an inline spec): the check reads the Run from
   * the API server after an edit (a generation the status has not observed), and only then.
   */
  @Test
  void aTrimmedRunIsCheckedAgainstTheStoredSpecOnlyAfterAnEdit() {
    Run stored = phases.followedRun("trimmed", KfpRuntimeState.RUNNING);
    stored.getSpec().setParameters(Map.of("epochs", IntNode.valueOf(3)));
    stored.getStatus().setSpecHash(SpecFingerprint.of(stored.getSpec()));
    stored.getStatus().setObservedGeneration(1L);
    phases.storedRuns.put("trimmed", stored);

    Run cached = copy(stored).trimForCache();
    assertThat(cached.getSpec().getParameters()).isNull();
    follow(cached);
    assertThat(phases.storedRunReads).as("generation 1 was checked already").isEmpty();
    assertCondition(cached, SUBMITTED, "True", RunConditions.REASON_CREATED);

    stored.getMetadata().setGeneration(2L);
    stored.getSpec().setArchived(true);
    Run afterMutableEdit = copy(stored).trimForCache();
    follow(afterMutableEdit);
    assertThat(phases.storedRunReads).containsExactly("trimmed");
    assertCondition(afterMutableEdit, SUBMITTED, "True", RunConditions.REASON_CREATED);

    stored.getMetadata().setGeneration(3L);
    stored.getSpec().setParameters(Map.of("epochs", IntNode.valueOf(4)));
    Run afterImmutableEdit = copy(stored).trimForCache();
    follow(afterImmutableEdit);
    assertThat(phases.storedRunReads).containsExactly("trimmed", "trimmed");
    assertCondition(afterImmutableEdit, SUBMITTED, "False", RunConditions.REASON_SPEC_CHANGED);
    assertThat(condition(afterImmutableEdit, SUBMITTED).getMessage()).startsWith("spec.parameters changed");
  }

  /** The Run as the informer gets it from the API server: a copy of what is stored, status as written. */
  private static Run copy(Run stored) {
    return Serialization.clone(stored);
  }

  @Test
  void terminateActsOnceAndIsIgnoredOnAFinishedRun() {
    Run active = phases.followedRun("stop-me", KfpRuntimeState.RUNNING);
    annotate(active, Run.TERMINATE_ANNOTATION, "true");

    follow(active);
    follow(active);

    assertThat(kfp.calls()).containsExactly("GetRun", "TerminateRun", "GetRun", "GetRun");
    assertThat(active.getStatus().getTerminated()).isTrue();
    assertThat(active.getStatus().getState()).isEqualTo("CANCELING");
    assertThat(phases.events.reasons()).containsOnlyOnce("Terminated");

    Run finished = phases.followedRun("done", KfpRuntimeState.SUCCEEDED);
    annotate(finished, Run.TERMINATE_ANNOTATION, "true");
    follow(finished);
    follow(finished);

    assertThat(kfp.count("TerminateRun")).isEqualTo(1);
    assertThat(finished.getStatus().getTerminated()).as("seen, not acted on").isFalse();
    assertThat(phases.events.reasons()).containsOnlyOnce("TerminateIgnored");
  }

  @Test
  void aTerminatedRunThatFailsIsReportedAsTerminated() {
    Run run = phases.followedRun("stopped", KfpRuntimeState.RUNNING);
    annotate(run, Run.TERMINATE_ANNOTATION, "true");
    follow(run);

    kfpMoves(run, r -> FakeKfp.withState(r, KfpRuntimeState.FAILED));
    follow(run);

    assertCondition(run, SUCCEEDED, "False", RunConditions.REASON_TERMINATED);
    assertThat(condition(run, SUCCEEDED).getMessage()).contains("was terminated and ended FAILED");
    assertThat(run.getStatus().getFailure()).as("nothing to diagnose in a run the user stopped").isNull();
  }

  @Test
  void retryTokenActsOnce() {
    Run run = phases.followedRun("flaky", KfpRuntimeState.FAILED);
    annotate(run, Run.RETRY_ANNOTATION, "t1");

    follow(run);
    follow(run);

    assertThat(kfp.count("RetryRun")).isEqualTo(1);
    assertThat(run.getStatus().getLastRetry()).isEqualTo("t1");
    assertThat(run.getStatus().getState()).isEqualTo("RUNNING");
    assertCondition(run, RETRIED, "True", RunConditions.REASON_RETRIED);
    assertThat(phases.events.reasons()).containsOnlyOnce("Retried");

    annotate(run, Run.RETRY_ANNOTATION, "t2");
    follow(run);
    follow(run);

    assertThat(kfp.count("RetryRun")).as("KFP retries only FAILED runs: nothing sent").isEqualTo(1);
    assertThat(run.getStatus().getLastRetry()).isEqualTo("t2");
    assertCondition(run, RETRIED, "False", RunConditions.REASON_RETRY_REJECTED);
    assertThat(condition(run, RETRIED).getMessage()).contains("retry 't2' rejected", "is RUNNING",
        "only FAILED runs");
    assertThat(phases.events.warnings()).extracting(RecordedEvents.Event::reason)
        .containsExactly(RunConditions.REASON_RETRY_REJECTED);
  }

  @Test
  void aRetryThatCouldNotBeSentIsSentAtTheNextLook() {
    Run run = phases.followedRun("flaky", KfpRuntimeState.FAILED);
    annotate(run, Run.RETRY_ANNOTATION, "t1");
    kfp.failNext("RetryRun", KfpErrors.timedOut("RetryRun"));

    Optional<Duration> next = follow(run);

    assertThat(run.getStatus().getLastRetry()).as("not acted on yet").isNull();
    assertCondition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE);
    assertThat(next).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(1)));

    follow(run);
    assertThat(kfp.count("RetryRun")).isEqualTo(2);
    assertThat(run.getStatus().getLastRetry()).isEqualTo("t1");
    assertThat(run.getStatus().getState()).isEqualTo("RUNNING");
  }

  @Test
  void aRefusedArchiveBacksOffToTheResyncInterval() {
    Run run = phases.followedRun("keep", KfpRuntimeState.SUCCEEDED);
    run.getSpec().setArchived(true);
    kfp.failNext("ArchiveRun", KfpErrors.answered("ArchiveRun", 400, "cannot archive"));
    kfp.failNext("ArchiveRun", KfpErrors.answered("ArchiveRun", 400, "cannot archive"));

    Duration first = follow(run).orElseThrow();
    Duration second = follow(run).orElseThrow();

    assertThat(kfp.calls()).containsExactly("GetRun", "ArchiveRun", "GetRun", "ArchiveRun");
    assertCondition(run, SYNCED, "False", RunConditions.REASON_COMMAND_REFUSED);
    assertThat(condition(run, SYNCED).getMessage()).contains("KFP refused to archive run", "cannot archive",
        "Remove spec.archived", "every 60 s or longer");
    assertThat(first).as("never sooner than the resync interval").isBetween(RESYNC, RESYNC.multipliedBy(5)
        .dividedBy(4));
    assertThat(second).as("doubling").isBetween(RESYNC.multipliedBy(2), RESYNC.multipliedBy(5).dividedBy(2));
    assertThat(phases.events.warnings()).extracting(RecordedEvents.Event::reason)
        .containsExactly(RunConditions.REASON_COMMAND_REFUSED);

    Optional<Duration> accepted = follow(run);
    assertThat(run.getStatus().getStorageState()).isEqualTo("ARCHIVED");
    assertCondition(run, SYNCED, "True", RunConditions.REASON_OK);
    assertThat(accepted).hasValue(RESYNC);
  }

  @Test
  void anArchiveThatMayPassIsRetriedSoon() {
    Run run = phases.followedRun("keep", KfpRuntimeState.SUCCEEDED);
    run.getSpec().setArchived(true);
    kfp.failNext("ArchiveRun", KfpErrors.answered("ArchiveRun", 503, "service unavailable"));

    Optional<Duration> next = follow(run);

    assertCondition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE);
    assertThat(next).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(1)));
    follow(run);
    assertThat(kfp.run(run.getStatus().getRunId()).storageState()).isEqualTo(KfpStorageState.ARCHIVED);
  }

  @Test
  void theArchivedFlagActsOnlyWhenKfpDiffers() {
    Run run = phases.followedRun("archived", KfpRuntimeState.SUCCEEDED);
    run.getSpec().setArchived(false);

    follow(run);
    run.getSpec().setArchived(true);
    follow(run);
    follow(run);

    assertThat(kfp.calls()).containsExactly("GetRun", "GetRun", "ArchiveRun", "GetRun", "GetRun");
    assertThat(phases.events.reasons()).containsOnlyOnce("Archived");
  }

  /** A finished Run whose status the bulk sync's follower has recorded in full, and the calls made so far. */
  private Run recordedFinishedRun(RunFollower bulk, String name, KfpRuntimeState state) {
    Run run = phases.followedRun(name, state);
    bulk.follow(run, Optional::empty, readsHandedToTheSync::add, false);
    assertCondition(run, SYNCED, "True", RunConditions.REASON_OK);
    return run;
  }

  @Test
  void aFinishedRunRecordedInFullIsNotReadUnderTheBulkSync() {
    RunFollower bulk = phases.follower(new BulkSync(KfpClientProvider.shared(kfp), POLL, RESYNC));
    Run run = recordedFinishedRun(bulk, "finished", KfpRuntimeState.SUCCEEDED);
    String before = Serialization.asJson(run.getStatus());
    int calls = kfp.calls().size();

    Optional<Duration> next = bulk.follow(run, Optional::empty, readsHandedToTheSync::add, false).lookAgainIn();

    assertThat(kfp.calls()).as("no GET: the resync lists it").hasSize(calls);
    assertThat(next).as("the sync triggers it again").isEmpty();
    assertThat(Serialization.asJson(run.getStatus())).isEqualTo(before);
  }

  @Test
  void theSameRunIsReadUnderThePerRunSync() {
    Run run = recordedFinishedRun(follower, "finished", KfpRuntimeState.SUCCEEDED);
    int calls = kfp.calls().size();

    assertThat(follow(run)).hasValue(RESYNC);

    assertThat(kfp.calls()).hasSize(calls + 1).last().isEqualTo("GetRun");
  }

  /** What makes a finished Run's status need the KFP run as it is now. */
  enum NeedsARead {
    RETRY_TOKEN_NOT_ACTED_ON, TERMINATE_NOT_ACTED_ON, ARCHIVED_DIFFERS, GENERATION_NOT_OBSERVED, SYNCED_NOT_TRUE,
    NO_SUCCEEDED_VERDICT, FAILED_WITHOUT_DIAGNOSED_STEPS, TTL_OVER
  }

  @ParameterizedTest
  @EnumSource(NeedsARead.class)
  void aFinishedRunIsReadUnderTheBulkSyncWhenItsStatusCannotStand(NeedsARead need) {
    RunFollower bulk = phases.follower(new BulkSync(KfpClientProvider.shared(kfp), POLL, RESYNC));
    Run run = recordedFinishedRun(bulk, "finished", need == NeedsARead.FAILED_WITHOUT_DIAGNOSED_STEPS
        ? KfpRuntimeState.FAILED : KfpRuntimeState.SUCCEEDED);
    switch (need) {
      case RETRY_TOKEN_NOT_ACTED_ON -> annotate(run, Run.RETRY_ANNOTATION, "t1");
      case TERMINATE_NOT_ACTED_ON -> annotate(run, Run.TERMINATE_ANNOTATION, "true");
      case ARCHIVED_DIFFERS -> run.getSpec().setArchived(true);
      case GENERATION_NOT_OBSERVED -> run.getMetadata().setGeneration(2L);
      case SYNCED_NOT_TRUE -> phases.recorder.condition(run, SYNCED, "False",
          RunConditions.REASON_KFP_UNREACHABLE, "timed out", StatusRecorder.Notice.QUIET);
      case NO_SUCCEEDED_VERDICT -> run.getStatus().setConditions(run.getStatus().getConditions().stream()
          .filter(c -> !SUCCEEDED.equals(c.getType())).toList());
      case FAILED_WITHOUT_DIAGNOSED_STEPS -> assertThat(run.getStatus().getFailure().tasks()).isEmpty();
      case TTL_OVER -> { }
    }
    int calls = kfp.calls().size();

    bulk.follow(run, Optional::empty, readsHandedToTheSync::add, need == NeedsARead.TTL_OVER);

    assertThat(kfp.calls().subList(calls, kfp.calls().size())).first().isEqualTo("GetRun");
  }

  @Test
  void aReadIsOwedUntilTheStatusRecordsIt() {
    BulkSync sync = new BulkSync(KfpClientProvider.shared(kfp), POLL, RESYNC);
    RunFollower bulk = phases.follower(sync);
    Run run = recordedFinishedRun(bulk, "finished", KfpRuntimeState.SUCCEEDED);
    sync.readByReconcile(kfp.run(run.getStatus().getRunId()));
    int calls = kfp.calls().size();

    bulk.follow(run, Optional::empty, readsHandedToTheSync::add, false);
    sync.recorded(run);
    bulk.follow(run, Optional::empty, readsHandedToTheSync::add, false);

    assertThat(kfp.calls()).as("one GET, before the write").hasSize(calls + 1);
  }
}
