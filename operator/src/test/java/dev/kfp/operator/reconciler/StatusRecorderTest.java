package dev.kfp.operator.reconciler;

import static dev.kfp.operator.api.RunConditions.SYNCED;
import static dev.kfp.operator.reconciler.Phases.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.reconciler.status.StatusRecorder.Notice;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one recorder's rules: a condition is set on every call, its event comes only with a transition. */
class StatusRecorderTest {

  private final Phases phases = new Phases();
  private final StatusRecorder recorder = phases.recorder;
  private final Run run = Phases.newRun("recorded");

  @Test
  void aTransitionEmitsOneEventAndRepeatsEmitNone() {
    boolean first = recorder.condition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE, "503, try 1",
        Notice.WARNING);
    boolean repeat = recorder.condition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE, "503, try 2",
        Notice.WARNING);
    boolean otherReason = recorder.condition(run, SYNCED, "False", RunConditions.REASON_KFP_BAD_ANSWER,
        "nonsense", Notice.WARNING);
    boolean otherStatus = recorder.condition(run, SYNCED, "True", RunConditions.REASON_OK, "read", Notice.NORMAL);

    assertThat(new boolean[] {first, repeat, otherReason, otherStatus}).containsExactly(true, false, true, true);
    assertThat(phases.events.all()).extracting(RecordedEvents.Event::type, RecordedEvents.Event::reason,
            RecordedEvents.Event::message)
        .containsExactly(
            tuple("Warning", RunConditions.REASON_KFP_UNREACHABLE, "503, try 1"),
            tuple("Warning", RunConditions.REASON_KFP_BAD_ANSWER, "nonsense"),
            tuple("Normal", RunConditions.REASON_OK, "read"));
  }

  @Test
  void aRepeatStillUpdatesTheMessage() {
    recorder.condition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE, "503, try 1", Notice.WARNING);
    recorder.condition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE, "503, try 2", Notice.WARNING);

    assertThat(condition(run, SYNCED).getMessage()).isEqualTo("503, try 2");
    assertThat(run.getStatus().getConditions()).hasSize(1);
  }

  @Test
  void quietAndLoggedTransitionsEmitNoEvent() {
    assertThat(recorder.condition(run, SYNCED, "False", "A", "a", Notice.QUIET)).isTrue();
    assertThat(recorder.condition(run, SYNCED, "False", "B", "b", Notice.LOG)).isTrue();

    assertThat(phases.events.all()).isEmpty();
  }

  @Test
  void theTransitionTimeMovesOnlyWhenTheStatusChanges() {
    recorder.condition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE, "down", Notice.QUIET);
    String since = condition(run, SYNCED).getLastTransitionTime();
    phases.clock.advance(Duration.ofMinutes(1));
    recorder.condition(run, SYNCED, "False", RunConditions.REASON_KFP_BAD_ANSWER, "nonsense", Notice.QUIET);
    String sameStatus = condition(run, SYNCED).getLastTransitionTime();
    phases.clock.advance(Duration.ofMinutes(1));
    recorder.condition(run, SYNCED, "True", RunConditions.REASON_OK, "read", Notice.QUIET);
    Condition synced = condition(run, SYNCED);

    assertThat(sameStatus).isEqualTo(since);
    assertThat(synced.getLastTransitionTime()).isEqualTo(phases.clock.instant().toString());
    assertThat(synced.getObservedGeneration()).isEqualTo(run.getMetadata().getGeneration());
  }
}
