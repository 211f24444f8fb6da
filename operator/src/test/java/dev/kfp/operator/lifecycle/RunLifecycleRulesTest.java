package dev.kfp.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a Run's status means, as the reconciler and the status sync both read it. */
class RunLifecycleRulesTest {

  private static RunStatus status(String runId, String state) {
    RunStatus status = new RunStatus();
    status.setRunId(runId);
    status.setState(state);
    return status;
  }

  private static RunStatus with(RunStatus status, String type, String conditionStatus, String reason) {
    status.putCondition(new ConditionBuilder().withType(type).withStatus(conditionStatus).withReason(reason)
        .withMessage("m").build());
    return status;
  }

  private static KfpRun kfpRun(KfpRuntimeState state, KfpStorageState storage) {
    return new KfpRun(null, "run-1", "r", storage, null, null, null, null, null, null, null, null, state, null,
        null, null, null, null);
  }

  @ParameterizedTest
  @EnumSource(KfpRuntimeState.class)
  void aRunIsSettledOnceItsStateIsFinal(KfpRuntimeState state) {
    boolean finished = List.of(KfpRuntimeState.SUCCEEDED, KfpRuntimeState.SKIPPED, KfpRuntimeState.FAILED,
        KfpRuntimeState.CANCELED).contains(state);

    RunLifecycle lifecycle = RunLifecycle.of(status("run-1", state.name()));

    assertThat(lifecycle.isFinished()).isEqualTo(finished);
    assertThat(lifecycle.isSettled()).isEqualTo(finished);
  }

  @Test
  void aRunWhoseKfpRunIsGoneIsSettledWhateverItsLastState() {
    RunStatus status = with(status("run-1", "RUNNING"), RunConditions.SYNCED, "False",
        RunConditions.REASON_RUN_DELETED);

    assertThat(RunLifecycle.of(status).isRunDeletedInKfp()).isTrue();
    assertThat(RunLifecycle.of(status).isSettled()).isTrue();
    assertThat(RunLifecycle.of(status).isFinished()).isFalse();
  }

  @Test
  void aStateThisOperatorDoesNotKnowIsNoStateAtAll() {
    RunLifecycle lifecycle = RunLifecycle.of(status("run-1", "QUEUED_BY_A_NEWER_KFP"));

    assertThat(lifecycle.state()).isEmpty();
    assertThat(lifecycle.isSettled()).isFalse();
    assertThat(RunLifecycle.of(null).state()).isEmpty();
    assertThat(RunLifecycle.of(null).isSettled()).isFalse();
  }

  @Test
  void aRunAwaitsSubmissionUntilItHasARunOrSomeoneMustAct() {
    assertThat(RunLifecycle.of(null).awaitsSubmission()).as("never reconciled").isTrue();
    assertThat(RunLifecycle.of(new RunStatus()).awaitsSubmission()).as("no Submitted yet").isTrue();
    assertThat(RunLifecycle.of(with(new RunStatus(), RunConditions.SUBMITTED, "False",
        RunConditions.REASON_CREATE_IN_DOUBT)).awaitsSubmission()).as("a create in doubt").isTrue();

    for (String waitsForTheUser : List.of(RunConditions.REASON_INVALID_SPEC, RunConditions.REASON_KFP_ERROR,
        RunConditions.REASON_UNAUTHORIZED, RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE)) {
      assertThat(RunLifecycle.of(with(new RunStatus(), RunConditions.SUBMITTED, "False", waitsForTheUser))
          .awaitsSubmission()).as(waitsForTheUser).isFalse();
    }
    assertThat(RunLifecycle.of(status("run-1", null)).awaitsSubmission()).as("has its run").isFalse();
  }

  /** A Run without a KFP run whose spec of generation 1 was not submitted for {@code reason}. */
  private static RunStatus notSubmitted(String reason, String succeeded) {
    RunStatus status = new RunStatus();
    status.putCondition(new ConditionBuilder().withType(RunConditions.SUBMITTED).withStatus("False")
        .withReason(reason).withMessage("m").withObservedGeneration(1L).build());
    return succeeded == null ? status : with(status, RunConditions.SUCCEEDED, succeeded, reason);
  }

  @Test
  void aSpecRefusedForGoodStaysRefusedUntilTheSpecChanges() {
    assertThat(RunLifecycle.of(notSubmitted(RunConditions.REASON_KFP_ERROR, "False")).refusedForGood(1L))
        .as("KFP answered the create 400").isTrue();
    assertThat(RunLifecycle.of(notSubmitted(RunConditions.REASON_INVALID_SPEC, "False")).refusedForGood(1L))
        .isTrue();
    assertThat(RunLifecycle.of(notSubmitted(RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE, null))
        .refusedForGood(1L)).isTrue();

    assertThat(RunLifecycle.of(notSubmitted(RunConditions.REASON_KFP_ERROR, "False")).refusedForGood(2L))
        .as("the spec was edited since").isFalse();
    assertThat(RunLifecycle.of(notSubmitted(RunConditions.REASON_KFP_ERROR, "Unknown")).refusedForGood(1L))
        .as("an unknown pipeline, asked again at the resync").isFalse();
    assertThat(RunLifecycle.of(notSubmitted(RunConditions.REASON_INVALID_SPEC, "Unknown")).refusedForGood(1L))
        .isFalse();
    assertThat(RunLifecycle.of(notSubmitted(RunConditions.REASON_QUEUE_REFUSED, "Unknown")).refusedForGood(1L))
        .as("the queue may be edited").isFalse();
    assertThat(RunLifecycle.of(notSubmitted(RunConditions.REASON_QUEUED, "Unknown")).refusedForGood(1L)).isFalse();
    RunStatus withRun = notSubmitted(RunConditions.REASON_KFP_ERROR, "False");
    withRun.setRunId("run-1");
    assertThat(RunLifecycle.of(withRun).refusedForGood(1L)).isFalse();
    assertThat(RunLifecycle.of(null).refusedForGood(1L)).isFalse();
  }

  @Test
  void onlyAnUnreachableKfpOrABadAnswerMayClearByItself() {
    for (String passing : List.of(RunConditions.REASON_KFP_UNREACHABLE, RunConditions.REASON_KFP_BAD_ANSWER)) {
      assertThat(RunLifecycle.of(with(status("run-1", "RUNNING"), RunConditions.SYNCED, "False", passing))
          .lastLookMayClear()).as(passing).isTrue();
      assertThat(RunLifecycle.isPassingSyncFailure(passing)).isTrue();
    }
    for (String waiting : List.of(RunConditions.REASON_KFP_ERROR, RunConditions.REASON_UNAUTHORIZED,
        RunConditions.REASON_COMMAND_REFUSED, RunConditions.REASON_RUN_DELETED)) {
      assertThat(RunLifecycle.of(with(status("run-1", "RUNNING"), RunConditions.SYNCED, "False", waiting))
          .lastLookMayClear()).as(waiting).isFalse();
      assertThat(RunLifecycle.isPassingSyncFailure(waiting)).isFalse();
    }
    assertThat(RunLifecycle.of(with(status("run-1", "RUNNING"), RunConditions.SYNCED, "True",
        RunConditions.REASON_OK)).lastLookMayClear()).isFalse();
    assertThat(RunLifecycle.of(status("run-1", "RUNNING")).lastLookMayClear()).isFalse();
  }

  @Test
  void aKfpRunDiffersFromTheStatusWhenItsStateOrStorageDoes() {
    RunStatus shown = status("run-1", "RUNNING");
    shown.setStorageState("AVAILABLE");
    RunLifecycle lifecycle = RunLifecycle.of(shown);

    assertThat(lifecycle.differsFrom(kfpRun(KfpRuntimeState.RUNNING, KfpStorageState.AVAILABLE))).isFalse();
    assertThat(lifecycle.differsFrom(kfpRun(KfpRuntimeState.SUCCEEDED, KfpStorageState.AVAILABLE))).isTrue();
    assertThat(lifecycle.differsFrom(kfpRun(KfpRuntimeState.RUNNING, KfpStorageState.ARCHIVED))).isTrue();
    assertThat(lifecycle.differsFrom(kfpRun(KfpRuntimeState.RUNNING, null))).isTrue();
    assertThat(RunLifecycle.of(null).differsFrom(kfpRun(KfpRuntimeState.RUNNING, null))).isTrue();
  }

  @Test
  void anAbsentStateIsKfpsDefaultAsTheObserverRecordsIt() {
    RunStatus shown = status("run-1", KfpRuntimeState.RUNTIME_STATE_UNSPECIFIED.name());

    assertThat(RunLifecycle.stateOf(kfpRun(null, null))).isEqualTo(KfpRuntimeState.RUNTIME_STATE_UNSPECIFIED);
    assertThat(RunLifecycle.of(shown).differsFrom(kfpRun(null, null))).isFalse();
  }

  @Test
  void onlyTheArchivedStorageStateIsArchived() {
    assertThat(RunLifecycle.isArchived(kfpRun(KfpRuntimeState.RUNNING, KfpStorageState.ARCHIVED))).isTrue();
    for (KfpStorageState other : List.of(KfpStorageState.AVAILABLE, KfpStorageState.STORAGE_STATE_UNSPECIFIED,
        KfpStorageState.UNRECOGNIZED)) {
      assertThat(RunLifecycle.isArchived(kfpRun(KfpRuntimeState.RUNNING, other))).as(other.name()).isFalse();
    }
    assertThat(RunLifecycle.isArchived(kfpRun(KfpRuntimeState.RUNNING, null))).isFalse();
  }
}
