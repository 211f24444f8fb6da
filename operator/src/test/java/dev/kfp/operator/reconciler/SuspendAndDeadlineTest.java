package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.status.StatusWriter;
import dev.kfp.operator.reconciler.submit.RunSubmitter;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.suspend} holds a Run before submission; {@code spec.activeDeadlineSeconds} terminates a run
 * active too long, once. Against {@link FakeKfp}, a fake.
 */
class SuspendAndDeadlineTest {

  private final Phases phases = new Phases();
  private final FakeKfp kfp = phases.kfp;

  private Optional<Duration> follow(Run run) {
    return phases.follower().follow(run, Optional::empty, read -> { }, false).lookAgainIn();
  }

  @Test
  void aSuspendedRunSendsNothingToKfpAndSaysWhy() {
    Run run = Phases.newRun("held");
    run.getSpec().setSuspend(true);

    PhaseResult submission = phases.submitter().submit(run, () -> StatusWriter.Outcome.WRITTEN);

    assertThat(submission.kfpRun()).isEmpty();
    assertThat(submission.lookAgainIn()).as("an edit of the spec lets it go; nothing to poll").isEmpty();
    assertThat(kfp.calls()).isEmpty();
    assertThat(run.getStatus().condition(RunConditions.SUBMITTED)).get()
        .satisfies(c -> {
          assertThat(c.getStatus()).isEqualTo("False");
          assertThat(c.getReason()).isEqualTo(RunConditions.REASON_SUSPENDED);
        });
    assertThat(run.getStatus().condition(RunConditions.SUCCEEDED)).get()
        .satisfies(c -> assertThat(c.getReason()).isEqualTo(RunConditions.REASON_SUSPENDED));
    assertThat(run.getStatus().getClaim()).as("no claim: no create is on its way").isNull();
  }

  @Test
  void settingSuspendToFalseSubmitsTheRun() {
    Run run = Phases.newRun("released");
    run.getSpec().setSuspend(true);
    RunSubmitter submitter = phases.submitter();
    submitter.submit(run, () -> StatusWriter.Outcome.WRITTEN);

    run.getSpec().setSuspend(false);
    PhaseResult submission = submitter.submit(run, () -> StatusWriter.Outcome.WRITTEN);

    assertThat(submission.kfpRun()).isPresent();
    assertThat(kfp.count("CreateRun")).isEqualTo(1);
    assertThat(run.getStatus().isTrue(RunConditions.SUBMITTED)).isTrue();
  }

  @Test
  void anInvalidSpecIsReportedEvenWhileSuspended() {
    Run run = Phases.newRun("held-and-wrong");
    run.getSpec().setSuspend(true);
    run.getSpec().setActiveDeadlineSeconds(0L);

    phases.submitter().submit(run, () -> StatusWriter.Outcome.WRITTEN);

    assertThat(run.getStatus().condition(RunConditions.SUBMITTED)).get()
        .satisfies(c -> {
          assertThat(c.getReason()).isEqualTo(RunConditions.REASON_INVALID_SPEC);
          assertThat(c.getMessage()).contains("spec.activeDeadlineSeconds is 0");
        });
    assertThat(kfp.calls()).isEmpty();
  }

  @Test
  void beforeTheDeadlineTheRunIsLookedAtAgainWhenItComes() {
    Run run = phases.followedRun("bounded", KfpRuntimeState.RUNNING);
    run.getSpec().setActiveDeadlineSeconds(30L);
    phases.clock.advance(Duration.ofSeconds(10));

    Optional<Duration> next = phases.follower(new dev.kfp.operator.sync.BulkSync(null, Phases.POLL, Phases.RESYNC))
        .follow(run, Optional::empty, read -> { }, false).lookAgainIn();

    assertThat(next).as("bulk sync never reschedules, but the deadline does").contains(Duration.ofSeconds(20));
    assertThat(kfp.count("TerminateRun")).isZero();
  }

  @Test
  void aRunActivePastItsDeadlineIsTerminatedOnceAndFailsWithDeadlineExceeded() {
    Run run = phases.followedRun("too-long", KfpRuntimeState.RUNNING);
    run.getSpec().setActiveDeadlineSeconds(30L);
    phases.clock.advance(Duration.ofSeconds(31));

    follow(run);
    follow(run);

    assertThat(kfp.count("TerminateRun")).isEqualTo(1);
    assertThat(run.getStatus().getDeadlineExceeded()).isTrue();
    assertThat(run.getStatus().getState()).as("read again after the terminate").isEqualTo("CANCELING");
    assertThat(run.getStatus().condition(RunConditions.SUCCEEDED)).get()
        .satisfies(c -> {
          assertThat(c.getStatus()).isEqualTo("False");
          assertThat(c.getReason()).isEqualTo(RunConditions.REASON_DEADLINE_EXCEEDED);
        });
    assertThat(phases.events.reasons()).containsOnlyOnce(RunConditions.REASON_DEADLINE_EXCEEDED);

    kfp.store(FakeKfp.withState(kfp.run(run.getStatus().getRunId()), KfpRuntimeState.CANCELED));
    follow(run);
    assertThat(run.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_DEADLINE_EXCEEDED);
  }

  @Test
  void aRunThatFinishedInTimeIsNotTerminated() {
    Run run = phases.followedRun("in-time", KfpRuntimeState.SUCCEEDED);
    run.getSpec().setActiveDeadlineSeconds(30L);
    phases.clock.advance(Duration.ofSeconds(60));

    follow(run);

    assertThat(kfp.count("TerminateRun")).isZero();
    assertThat(run.getStatus().getDeadlineExceeded()).isNull();
    assertThat(run.getStatus().isTrue(RunConditions.SUCCEEDED)).isTrue();
  }

  @Test
  void aRetryAfterTheDeadlineIsNotTerminatedAgain() {
    Run run = phases.followedRun("retried-late", KfpRuntimeState.RUNNING);
    run.getSpec().setActiveDeadlineSeconds(30L);
    phases.clock.advance(Duration.ofSeconds(31));
    follow(run);
    String runId = run.getStatus().getRunId();
    kfp.store(FakeKfp.withState(kfp.run(runId), KfpRuntimeState.FAILED));
    follow(run);

    run.getMetadata().setAnnotations(java.util.Map.of(Run.RETRY_ANNOTATION, "after-deadline"));
    follow(run);
    KfpRun again = kfp.run(runId);
    assertThat(again.state()).isEqualTo(KfpRuntimeState.RUNNING);
    follow(run);

    assertThat(kfp.count("TerminateRun")).isEqualTo(1);
    assertThat(run.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .as("the retried run is active again").isEqualTo("Running");
  }
}
