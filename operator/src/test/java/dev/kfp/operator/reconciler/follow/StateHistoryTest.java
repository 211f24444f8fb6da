package dev.kfp.operator.reconciler.follow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.RunStatus.StateTransition;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.RuntimeStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code status.stateHistory}: KFP's history, plus the states the operator saw that it has no entry for. */
class StateHistoryTest {

  private static final Instant T0 = Instant.parse("2026-12-05T09:00:00Z");

  private static RuntimeStatus kfp(KfpRuntimeState state, int second) {
    return new RuntimeStatus(T0.plusSeconds(second), state, null);
  }

  private static List<String> states(List<StateTransition> history) {
    return history.stream().map(StateTransition::state).toList();
  }

  @Test
  void aCancelingKfpNeverRecordedStaysBetweenRunningAndTheEndWhateverTheClocksSay() {
    List<StateTransition> seen = RunObserver.history(List.of(kfp(KfpRuntimeState.PENDING, 0),
        kfp(KfpRuntimeState.RUNNING, 1)), null, "CANCELING", T0.plusSeconds(5));
    assertThat(states(seen)).containsExactly("PENDING", "RUNNING", "CANCELING");

    // KFP's FAILED carries an earlier time than the operator's look at CANCELING (whole seconds, another clock)
    List<StateTransition> ended = RunObserver.history(List.of(kfp(KfpRuntimeState.PENDING, 0),
        kfp(KfpRuntimeState.RUNNING, 1), kfp(KfpRuntimeState.FAILED, 4)), seen, "FAILED", T0.plusSeconds(6));

    assertThat(states(ended)).containsExactly("PENDING", "RUNNING", "CANCELING", "FAILED");
    assertThat(ended.get(2).updateTime()).isEqualTo("2026-12-05T09:00:05Z");
  }

  @Test
  void kfpsOwnEntryReplacesTheStateTheOperatorAdded() {
    List<StateTransition> seen = RunObserver.history(List.of(kfp(KfpRuntimeState.PENDING, 0),
        kfp(KfpRuntimeState.RUNNING, 1)), null, "CANCELING", T0.plusSeconds(5));

    List<StateTransition> reported = RunObserver.history(List.of(kfp(KfpRuntimeState.PENDING, 0),
        kfp(KfpRuntimeState.RUNNING, 1), kfp(KfpRuntimeState.CANCELING, 3)), seen, "CANCELING", T0.plusSeconds(7));

    assertThat(reported).containsExactly(new StateTransition("PENDING", "2026-12-05T09:00:00Z"),
        new StateTransition("RUNNING", "2026-12-05T09:00:01Z"), new StateTransition("CANCELING", "2026-12-05T09:00:03Z"));
  }

  @Test
  void aStateKfpRecordedIsNotAddedAgain() {
    List<StateTransition> history = RunObserver.history(List.of(kfp(KfpRuntimeState.PENDING, 0),
        kfp(KfpRuntimeState.RUNNING, 1), kfp(KfpRuntimeState.SUCCEEDED, 2)), null, "SUCCEEDED", T0.plusSeconds(9));

    assertThat(states(history)).containsExactly("PENDING", "RUNNING", "SUCCEEDED");
    assertThat(RunObserver.history(List.of(), null, "PENDING", T0)).isNull();
  }
}
