package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.Phases.CREATE_WINDOW;
import static dev.kfp.operator.reconciler.Phases.newRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.SubmissionClaim;
import dev.kfp.operator.kfp.KfpErrors;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.reconciler.cleanup.RunCleanup;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.phase.RetrySchedule;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import dev.kfp.operator.reconciler.submit.SubmissionMarker;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The cleanup phase's rules: a deleted Run's policy is carried out on its KFP run before the finalizer goes
 * (Orphan: nothing at all), the finalizer stays while a create may still be running in KFP or while a call
 * failed. Against {@link FakeKfp}, a fake.
 */
class RunCleanupTest {

  private final Phases phases = new Phases();
  private final FakeKfp kfp = phases.kfp;
  private final RunCleanup cleanup = phases.cleanup();

  private Run deletedRun(String name, KfpRuntimeState state, String policy) {
    Run run = phases.followedRun(name, state);
    run.getSpec().setDeletionPolicy(policy);
    return run;
  }

  private static void assertReleased(PhaseResult result) {
    assertThat(result.lookAgainIn()).as("finalizer kept until a later look").isEmpty();
  }

  private static Duration assertKept(PhaseResult result) {
    assertThat(result.lookAgainIn()).as("finalizer kept until a later look").isPresent();
    return result.lookAgainIn().orElseThrow();
  }

  @Test
  void orphanPolicyMakesNoKfpCall() {
    Run active = deletedRun("orphan", KfpRuntimeState.RUNNING, "Orphan");
    Run claimed = newRun("orphan-while-creating");
    claimed.getSpec().setDeletionPolicy("Orphan");
    claimed.getStatus().setClaim(new SubmissionClaim("operator-0", 1, phases.clock.instant().toString(), null,
        null));

    assertReleased(cleanup.cleanup(active));
    assertReleased(cleanup.cleanup(claimed));

    assertThat(kfp.calls()).isEmpty();
    assertThat(kfp.run(active.getStatus().getRunId()).state()).isEqualTo(KfpRuntimeState.RUNNING);
    assertThat(phases.events.all()).isEmpty();
  }

  @Test
  void deletePolicyTerminatesThenDeletes() {
    Run active = deletedRun("delete-active", KfpRuntimeState.RUNNING, "Delete");
    Run finished = deletedRun("delete-finished", KfpRuntimeState.SUCCEEDED, "Delete");

    assertReleased(cleanup.cleanup(active));
    assertThat(kfp.calls()).containsExactly("GetRun", "TerminateRun", "DeleteRun");
    assertReleased(cleanup.cleanup(finished));
    assertThat(kfp.calls()).as("a finished run is not terminated").containsExactly("GetRun", "TerminateRun",
        "DeleteRun", "GetRun", "DeleteRun");

    assertThat(kfp.runs()).isEmpty();
    assertThat(phases.events.reasons()).containsExactly("Deleted", "Deleted");
  }

  @Test
  void theDefaultPolicyTerminatesAndArchives() {
    Run active = deletedRun("archive-active", KfpRuntimeState.RUNNING, null);

    assertReleased(cleanup.cleanup(active));

    assertThat(kfp.calls()).containsExactly("GetRun", "TerminateRun", "ArchiveRun");
    KfpRun left = kfp.run(active.getStatus().getRunId());
    assertThat(left.state()).isEqualTo(KfpRuntimeState.CANCELING);
    assertThat(left.storageState()).isEqualTo(KfpStorageState.ARCHIVED);
  }

  @Test
  void aRunReportedWithoutAStateIsTerminatedBeforeItIsArchived() {
    Run run = deletedRun("no-state-yet", KfpRuntimeState.PENDING, "Archive");
    kfp.store(FakeKfp.withState(kfp.run(run.getStatus().getRunId()), null));

    assertReleased(cleanup.cleanup(run));

    assertThat(kfp.calls()).as("an absent state is KFP's RUNTIME_STATE_UNSPECIFIED, which can be terminated")
        .containsExactly("GetRun", "TerminateRun", "ArchiveRun");
  }

  @Test
  void aRunAlreadyArchivedAndFinishedIsOnlyRead() {
    Run done = deletedRun("archived", KfpRuntimeState.FAILED, "Archive");
    kfp.store(FakeKfp.withStorage(kfp.run(done.getStatus().getRunId()), KfpStorageState.ARCHIVED));

    assertReleased(cleanup.cleanup(done));

    assertThat(kfp.calls()).containsExactly("GetRun");
  }

  @Test
  void aTerminateRefusedAsTooLateStillArchives() {
    Run run = deletedRun("just-finished", KfpRuntimeState.RUNNING, "Archive");
    kfp.failNext("TerminateRun", KfpErrors.answered("TerminateRun", 400, "run already finished"));

    assertReleased(cleanup.cleanup(run));

    assertThat(kfp.calls()).containsExactly("GetRun", "TerminateRun", "ArchiveRun");
  }

  @Test
  void cleanupKeepsTheFinalizerWhileACreateMayStillRun() {
    Run run = newRun("deleted-early");
    Instant claimedAt = phases.clock.instant();
    run.getStatus().setClaim(new SubmissionClaim(Phases.INSTANCE, 1, claimedAt.toString(), null, null));

    Duration first = assertKept(cleanup.cleanup(run));
    phases.clock.advance(CREATE_WINDOW.minusMillis(200));
    Duration last = assertKept(cleanup.cleanup(run));

    assertThat(kfp.calls()).containsExactly("ListRuns", "ListRuns");
    assertThat(first).isLessThanOrEqualTo(Duration.ofSeconds(1).plus(RetrySchedule.CLAIM_MARGIN));
    assertThat(last).as("never past the claim's end").isEqualTo(Duration.ofMillis(200)
        .plus(RetrySchedule.CLAIM_MARGIN));

    phases.clock.advance(Duration.ofMillis(200));
    assertReleased(cleanup.cleanup(run));
    assertThat(kfp.calls()).as("a search after the window found nothing: nothing to clean up")
        .containsExactly("ListRuns", "ListRuns", "ListRuns");
  }

  @Test
  void aRunThatShowsAfterTheDeletionGetsThePolicy() {
    Run run = newRun("deleted-early");
    run.getStatus().setClaim(new SubmissionClaim(Phases.INSTANCE, 1, phases.clock.instant().toString(), null,
        null));
    assertKept(cleanup.cleanup(run));

    phases.clock.advance(Duration.ofSeconds(3));
    KfpRun late = kfp.store(new KfpRun(null, "run-late", "deleted-early", KfpStorageState.AVAILABLE,
        SubmissionMarker.of(run).text(), null, null, null, null, phases.clock.instant(), null, null,
        KfpRuntimeState.PENDING, null, null, null, null, null));
    assertReleased(cleanup.cleanup(run));

    assertThat(kfp.calls()).containsExactly("ListRuns", "ListRuns", "GetRun", "TerminateRun", "ArchiveRun");
    assertThat(kfp.run(late.runId()).storageState()).isEqualTo(KfpStorageState.ARCHIVED);
  }

  @Test
  void anInvalidSpecNeverSubmittedIsReleasedWithoutASearch() {
    Run run = newRun("invalid");
    phases.recorder.condition(run, RunConditions.SUBMITTED, "False", RunConditions.REASON_INVALID_SPEC,
        "spec.pipeline is missing", StatusRecorder.Notice.QUIET);

    assertReleased(cleanup.cleanup(run));

    assertThat(kfp.calls()).isEmpty();
  }

  @Test
  void aFailedCleanupCallKeepsTheFinalizerAndWarns() {
    Run run = deletedRun("blocked", KfpRuntimeState.SUCCEEDED, "Archive");
    kfp.failNext("ArchiveRun", KfpErrors.answered("ArchiveRun", 503, "service unavailable"));

    Duration retry = assertKept(cleanup.cleanup(run));

    assertThat(retry).isLessThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(phases.events.warnings()).singleElement().satisfies(e -> {
      assertThat(e.reason()).isEqualTo(RunConditions.REASON_DELETION_BLOCKED);
      assertThat(e.message()).contains("deletion policy Archive could not be carried out", "service unavailable");
    });

    assertReleased(cleanup.cleanup(run));
    assertThat(kfp.run(run.getStatus().getRunId()).storageState()).isEqualTo(KfpStorageState.ARCHIVED);
  }

  @Test
  void aRunAlreadyGoneFromKfpReleasesTheFinalizer() {
    Run run = deletedRun("gone", KfpRuntimeState.RUNNING, "Delete");
    kfp.removeOutsideTheOperator(run.getStatus().getRunId());

    assertReleased(cleanup.cleanup(run));

    assertThat(kfp.calls()).containsExactly("GetRun");
    assertThat(phases.events.warnings()).isEmpty();
  }
}
