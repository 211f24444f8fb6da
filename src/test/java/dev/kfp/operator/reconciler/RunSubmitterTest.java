package dev.kfp.operator.reconciler;

import static dev.kfp.operator.api.RunConditions.SUBMITTED;
import static dev.kfp.operator.api.RunConditions.SUCCEEDED;
import static dev.kfp.operator.api.RunConditions.SYNCED;
import static dev.kfp.operator.reconciler.Phases.CREATE_WINDOW;
import static dev.kfp.operator.reconciler.Phases.INSTANCE;
import static dev.kfp.operator.reconciler.Phases.RESYNC;
import static dev.kfp.operator.reconciler.Phases.assertCondition;
import static dev.kfp.operator.reconciler.Phases.condition;
import static dev.kfp.operator.reconciler.Phases.newRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.SubmissionClaim;
import dev.kfp.operator.kfp.KfpErrors;
import dev.kfp.operator.kfp.KfpExperiment;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.phase.RetrySchedule;
import dev.kfp.operator.reconciler.submit.RunSubmitter;
import dev.kfp.operator.reconciler.submit.SubmissionMarker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The submit phase's rules (docs/developing/exactly-once.md): validate first, adopt a run that carries the marker, claim
 * in the status before creating, never send a create while a claim is live, and end the claim as the create's
 * answer says. Against {@link FakeKfp}, a fake: what real KFP answers is proven by the operator tests.
 */
class RunSubmitterTest {

  private final Phases phases = new Phases();
  private final FakeKfp kfp = phases.kfp;
  private final RunSubmitter submitter = phases.submitter();

  private PhaseResult submit(Run run) {
    return submitter.submit(run, new RecordedStatusWrites(run, kfp));
  }

  @Test
  void aNewRunIsClaimedInItsStatusBeforeItsCreateIsSent() {
    Run run = newRun("train");
    RecordedStatusWrites writes = new RecordedStatusWrites(run, kfp);

    PhaseResult submission = submitter.submit(run, writes);

    assertThat(kfp.calls()).containsExactly("ListRuns", "CreateRun");
    assertThat(writes.all()).singleElement().satisfies(write -> {
      assertThat(write.kfpCallsBefore()).as("only the marker search came before the claim").isEqualTo(1);
      assertThat(write.claim().holder()).isEqualTo(INSTANCE);
      assertThat(write.claim().attempt()).isEqualTo(1);
      assertThat(write.claim().endedAt()).isNull();
    });
    assertThat(submission.kfpRun()).map(KfpRun::runId).hasValue("run-1");
    assertThat(submission.lookAgainIn()).isEmpty();
    assertThat(run.getStatus().getRunId()).isEqualTo("run-1");
    assertThat(run.getStatus().getSpecHash()).isNotNull();
    assertCondition(run, SUBMITTED, "True", RunConditions.REASON_CREATED);
    assertThat(kfp.run("run-1").description()).isEqualTo(SubmissionMarker.of(run).text());
    assertThat(phases.events.reasons()).containsExactly("Submitted");
  }

  @Test
  void anInvalidSpecIsReportedOnceAndNeverCreated() {
    Run run = newRun("no-pipeline");
    run.getSpec().setPipeline(null);

    PhaseResult first = submit(run);
    PhaseResult second = submit(run);

    assertThat(kfp.calls()).isEmpty();
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_INVALID_SPEC);
    assertThat(condition(run, SUBMITTED).getMessage()).contains("spec.pipeline is missing");
    assertCondition(run, SUCCEEDED, "False", RunConditions.REASON_INVALID_SPEC);
    assertThat(condition(run, SUCCEEDED).getMessage()).startsWith("the run was not submitted");
    assertThat(phases.events.warnings()).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo(RunConditions.REASON_INVALID_SPEC));
    assertThat(first.lookAgainIn()).as("an edit brings the next look").isEmpty();
    assertThat(second.lookAgainIn()).isEmpty();
  }

  @Test
  void aSpecWaitingForItsConfigMapIsLookedAtAgainAfterTheResyncInterval() {
    Run run = newRun("from-config-map");
    run.getSpec().setPipeline(new PipelineSource(null, null,
        new PipelineSource.SpecFrom(new PipelineSource.ConfigMapKeyRef("not-yet", "pipeline.yaml"))));

    PhaseResult submission = submit(run);

    assertThat(kfp.calls()).isEmpty();
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_INVALID_SPEC);
    assertCondition(run, SUCCEEDED, "Unknown", RunConditions.REASON_INVALID_SPEC);
    assertThat(submission.lookAgainIn()).hasValue(RESYNC);
  }

  @Test
  void anAdoptedRunIsNotCreatedAgain() {
    Run run = newRun("train");
    SubmissionMarker marker = SubmissionMarker.of(run);
    kfp.store(kfpRun("run-earlier", marker.describe("the user's text"), phases.clock.instant()));
    // The same UID under another name carries the search key but not this object's marker.
    kfp.store(kfpRun("run-of-another-object", new SubmissionMarker("team-b", "train", marker.uid()).text(),
        phases.clock.instant().minusSeconds(60)));
    RecordedStatusWrites writes = new RecordedStatusWrites(run, kfp);

    PhaseResult submission = submitter.submit(run, writes);

    assertThat(kfp.calls()).containsExactly("ListRuns");
    assertThat(writes.all()).as("no claim is written for a run that exists").isEmpty();
    assertThat(submission.kfpRun()).map(KfpRun::runId).hasValue("run-earlier");
    assertThat(run.getStatus().getRunId()).isEqualTo("run-earlier");
    assertThat(run.getStatus().getClaim()).isNull();
    assertCondition(run, SUBMITTED, "True", RunConditions.REASON_ADOPTED);
    assertThat(phases.events.reasons()).containsExactly("Adopted");
  }

  @Test
  void theOldestOfSeveralRunsCarryingTheMarkerIsAdopted() {
    Run run = newRun("train");
    String marker = SubmissionMarker.of(run).text();
    Instant now = phases.clock.instant();
    kfp.store(kfpRun("run-newer", marker, now));
    kfp.store(kfpRun("run-oldest", marker, now.minusSeconds(30)));
    kfp.store(kfpRun("run-middle", marker, now.minusSeconds(10)));

    submit(run);

    assertThat(run.getStatus().getRunId()).isEqualTo("run-oldest");
    assertThat(kfp.count("CreateRun")).isZero();
  }

  @Test
  void aLiveClaimHoldsBackEveryCreate() {
    Instant claimedAt = phases.clock.instant().minusSeconds(1);
    for (String holder : List.of("operator-0", INSTANCE)) {
      Run run = newRun("claimed-by-" + holder);
      run.getStatus().setClaim(new SubmissionClaim(holder, 1, claimedAt.toString(), null, null));
      RecordedStatusWrites writes = new RecordedStatusWrites(run, kfp);

      PhaseResult submission = submitter.submit(run, writes);

      assertThat(writes.all()).as("held by " + holder).isEmpty();
      assertThat(submission.lookAgainIn()).isPresent();
      assertCondition(run, SUBMITTED, "False", RunConditions.REASON_CREATE_IN_DOUBT);
      assertThat(condition(run, SUBMITTED).getMessage()).contains("sent create attempt 1", "may still be running",
          "no other create is sent before " + claimedAt.plus(CREATE_WINDOW));
    }
    assertThat(kfp.calls()).containsExactly("ListRuns", "ListRuns");
    assertThat(phases.events.all()).as("a create in doubt is logged, not an event").isEmpty();
  }

  @Test
  void aWaitForALiveClaimNeverEndsAfterTheClaimDoes() {
    Run run = newRun("claimed");
    Instant claimedAt = phases.clock.instant();
    run.getStatus().setClaim(new SubmissionClaim("operator-0", 1, claimedAt.toString(), null, null));
    phases.clock.advance(CREATE_WINDOW.minusMillis(300));

    PhaseResult submission = submit(run);

    assertThat(submission.lookAgainIn()).hasValueSatisfying(delay ->
        assertThat(delay).isEqualTo(Duration.ofMillis(300).plus(RetrySchedule.CLAIM_MARGIN)));
    assertThat(kfp.count("CreateRun")).isZero();
  }

  @Test
  void anAmbiguousCreateIsNotRepeatedBeforeTheWindowEnds() {
    Run run = newRun("slow");
    kfp.failNext("CreateRun", KfpErrors.timedOut("CreateRun"));

    PhaseResult first = submit(run);

    SubmissionClaim ended = run.getStatus().getClaim();
    assertThat(ended.outcome()).isEqualTo(SubmissionClaim.UNCERTAIN);
    assertThat(ended.endedAt()).isEqualTo(phases.clock.instant().toString());
    assertCondition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE);
    assertThat(first.lookAgainIn()).hasValueSatisfying(delay -> assertThat(delay).isLessThan(CREATE_WINDOW));

    for (Duration at : List.of(Duration.ofSeconds(1), CREATE_WINDOW.minusMillis(1))) {
      phases.clock.advance(at.minus(Duration.between(Instant.parse(ended.endedAt()), phases.clock.instant())));
      submit(run);
      assertThat(kfp.count("CreateRun")).as(at + " after the create ended").isEqualTo(1);
      assertCondition(run, SUBMITTED, "False", RunConditions.REASON_CREATE_IN_DOUBT);
      assertThat(condition(run, SUBMITTED).getMessage()).contains("got no clear answer");
    }

    phases.clock.advance(Duration.ofMillis(1));
    submit(run);

    assertThat(kfp.calls()).containsExactly("ListRuns", "CreateRun", "ListRuns", "ListRuns", "ListRuns",
        "CreateRun");
    assertThat(run.getStatus().getClaim().attempt()).isEqualTo(2);
    assertThat(run.getStatus().getRunId()).isEqualTo("run-1");
  }

  @Test
  void anAmbiguousCreateWhoseRunShowsIsAdoptedNotRepeated() {
    Run run = newRun("lost-answer");
    kfp.storeThenFailNextCreate(KfpErrors.answered("CreateRun", 503, "upstream reset"));
    submit(run);
    assertThat(run.getStatus().getRunId()).isNull();

    phases.clock.advance(Duration.ofSeconds(1));
    submit(run);

    assertThat(kfp.calls()).containsExactly("ListRuns", "CreateRun", "ListRuns");
    assertThat(run.getStatus().getRunId()).isEqualTo("run-1");
    assertCondition(run, SUBMITTED, "True", RunConditions.REASON_ADOPTED);
  }

  @Test
  void aRunSuspendedWhileItsCreatesAnswerIsLostAdoptsTheRunThatExists() {
    Run run = newRun("suspended-in-doubt");
    kfp.storeThenFailNextCreate(KfpErrors.answered("CreateRun", 503, "upstream reset"));
    submit(run);
    run.getSpec().setSuspend(true);

    phases.clock.advance(Duration.ofSeconds(1));
    PhaseResult submission = submit(run);

    assertThat(kfp.calls()).containsExactly("ListRuns", "CreateRun", "ListRuns");
    assertThat(submission.kfpRun()).map(KfpRun::runId).hasValue("run-1");
    assertThat(run.getStatus().getRunId()).isEqualTo("run-1");
    assertCondition(run, SUBMITTED, "True", RunConditions.REASON_ADOPTED);
    assertThat(phases.events.reasons()).contains("Adopted").doesNotContain(RunConditions.REASON_SUSPENDED);
  }

  @Test
  void aSuspendedRunWithACreateStillInDoubtSaysSoAndSendsNothing() {
    Run run = newRun("suspended-slow");
    kfp.failNext("CreateRun", KfpErrors.timedOut("CreateRun"));
    submit(run);
    run.getSpec().setSuspend(true);

    phases.clock.advance(CREATE_WINDOW.minusSeconds(1));
    PhaseResult inDoubt = submit(run);

    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_CREATE_IN_DOUBT);
    assertThat(inDoubt.lookAgainIn()).as("it looks again while the create may still show").isPresent();

    phases.clock.advance(Duration.ofSeconds(1));
    PhaseResult held = submit(run);

    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_SUSPENDED);
    assertThat(held.lookAgainIn()).as("an edit of the spec lets it go").isEmpty();
    assertThat(kfp.calls()).containsExactly("ListRuns", "CreateRun", "ListRuns", "ListRuns");
  }

  @Test
  void aSuspendedRunWhoseOnlyCreateWasRefusedAsksKfpNothing() {
    Run run = newRun("suspended-refused");
    run.getStatus().setClaim(new SubmissionClaim(INSTANCE, 1, phases.clock.instant().toString(),
        phases.clock.instant().toString(), SubmissionClaim.REFUSED));
    run.getSpec().setSuspend(true);

    submit(run);

    assertThat(kfp.calls()).isEmpty();
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_SUSPENDED);
  }

  @Test
  void aRefusedCreateEndsTheClaimAsRefused() {
    Run run = newRun("refused");
    kfp.failNext("CreateRun", KfpErrors.answered("CreateRun", 400, "pipeline version not found"));

    PhaseResult submission = submit(run);

    SubmissionClaim claim = run.getStatus().getClaim();
    assertThat(claim.outcome()).isEqualTo(SubmissionClaim.REFUSED);
    assertThat(claim.isLive(phases.clock.instant(), CREATE_WINDOW)).as("KFP stored nothing to wait for").isFalse();
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_KFP_ERROR);
    assertThat(condition(run, SUBMITTED).getMessage()).contains("pipeline version not found");
    assertCondition(run, SYNCED, "True", RunConditions.REASON_OK);
    assertThat(phases.events.warnings()).extracting(RecordedEvents.Event::reason)
        .containsExactly(RunConditions.REASON_KFP_ERROR);
    assertThat(submission.lookAgainIn()).as("the same create fails the same way: an edit brings the next look")
        .isEmpty();

    submit(run);
    assertThat(kfp.count("CreateRun")).as("a refused claim holds nothing back").isEqualTo(2);
  }

  @Test
  void aConflictOnCreateIsAskedAgainAfterTheResyncInterval() {
    Run run = newRun("conflict");
    kfp.failNext("CreateRun", KfpErrors.answered("CreateRun", 409, "already exists"));

    PhaseResult submission = submit(run);

    assertThat(run.getStatus().getClaim().outcome()).isEqualTo(SubmissionClaim.REFUSED);
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_KFP_ERROR);
    assertThat(submission.lookAgainIn()).hasValue(RESYNC);
  }

  @Test
  void theThirdInternalErrorOnCreateIsReportedNotRetried() {
    Run run = newRun("bad-spec");
    for (int i = 0; i < 3; i++) {
      kfp.failNext("CreateRun", KfpErrors.answered("CreateRun", 500, "invalid pipeline spec"));
    }

    PhaseResult submission = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      submission = submit(run);
      assertThat(run.getStatus().getClaim().attempt()).isEqualTo(attempt);
      assertThat(run.getStatus().getClaim().outcome()).as("a 500 may have stored the run")
          .isEqualTo(SubmissionClaim.UNCERTAIN);
      if (attempt < 3) {
        assertCondition(run, SYNCED, "False", RunConditions.REASON_KFP_ERROR);
        assertThat(submission.lookAgainIn()).as("attempt " + attempt + " is tried again").isPresent();
        phases.clock.advance(CREATE_WINDOW.plusSeconds(1));
      }
    }

    assertThat(kfp.count("CreateRun")).isEqualTo(3);
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_KFP_ERROR);
    assertThat(condition(run, SUBMITTED).getMessage()).contains("create attempt 3 with an internal error",
        "invalid pipeline spec");
    assertThat(submission.lookAgainIn()).isEmpty();
  }

  @Test
  void aStaleClaimWriteCreatesNothing() {
    Run run = newRun("stale");
    RecordedStatusWrites writes = new RecordedStatusWrites(run, kfp);
    writes.makeStale();

    PhaseResult submission = submitter.submit(run, writes);

    assertThat(submission.stale()).isTrue();
    assertThat(kfp.calls()).containsExactly("ListRuns");
    assertThat(run.getStatus().getRunId()).isNull();
  }

  @Test
  void aPauseBetweenTheClaimAndTheCreateSendsNothing() {
    Run run = newRun("paused");
    RecordedStatusWrites writes = new RecordedStatusWrites(run, kfp);
    writes.whileWriting(() -> phases.clock.advance(CREATE_WINDOW.dividedBy(2)));

    PhaseResult submission = submitter.submit(run, writes);

    assertThat(kfp.calls()).containsExactly("ListRuns");
    assertThat(run.getStatus().getClaim().outcome()).isEqualTo(SubmissionClaim.UNCERTAIN);
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_CREATE_IN_DOUBT);
    assertThat(submission.lookAgainIn()).isPresent();
  }

  @Test
  void refusedCredentialsAreReportedAndAskedAgainAfterTheResyncInterval() {
    Run run = newRun("forbidden");
    kfp.failNext("ListRuns", KfpErrors.answered("ListRuns", 403, "not allowed in namespace team-a"));

    PhaseResult submission = submit(run);

    assertThat(kfp.calls()).containsExactly("ListRuns");
    assertCondition(run, SUBMITTED, "False", RunConditions.REASON_UNAUTHORIZED);
    assertThat(condition(run, SUBMITTED).getMessage()).contains("refused the operator's credentials",
        "not allowed in namespace team-a");
    assertThat(submission.lookAgainIn()).hasValue(RESYNC);
  }

  @Test
  void anUnreachableKfpBacksOffAndIsReportedOnce() {
    Run run = newRun("unreachable");
    kfp.failNext("ListRuns", KfpErrors.timedOut("ListRuns"));
    kfp.failNext("ListRuns", KfpErrors.timedOut("ListRuns"));

    Duration first = submit(run).lookAgainIn().orElseThrow();
    Duration second = submit(run).lookAgainIn().orElseThrow();

    assertThat(kfp.calls()).containsExactly("ListRuns", "ListRuns");
    assertCondition(run, SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE);
    assertThat(phases.events.warnings()).extracting(RecordedEvents.Event::reason)
        .containsExactly(RunConditions.REASON_KFP_UNREACHABLE);
    assertThat(first).isBetween(Duration.ofMillis(800), Duration.ofSeconds(1));
    assertThat(second).isBetween(Duration.ofMillis(1600), Duration.ofSeconds(2));
  }

  @Test
  void anExperimentOfAnotherNamespaceIsRefusedBeforeAnyCreate() {
    RunSubmitter multiUser = phases.submitter(true);
    kfp.addExperiment(new KfpExperiment("exp-b", "b's", "team-b", KfpStorageState.AVAILABLE));
    kfp.addExperiment(new KfpExperiment("exp-a", "a's", Phases.NAMESPACE, KfpStorageState.AVAILABLE));
    Run foreign = newRun("foreign");
    foreign.getSpec().setExperimentId("exp-b");
    Run own = newRun("own");
    own.getSpec().setExperimentId("exp-a");

    PhaseResult refused = multiUser.submit(foreign, new RecordedStatusWrites(foreign, kfp));
    multiUser.submit(own, new RecordedStatusWrites(own, kfp));

    assertThat(kfp.calls()).containsExactly("GetExperiment", "GetExperiment", "ListRuns", "CreateRun");
    assertCondition(foreign, SUBMITTED, "False", RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE);
    assertThat(condition(foreign, SUBMITTED).getMessage()).contains("belongs to namespace team-b, not team-a");
    assertThat(refused.lookAgainIn()).isEmpty();
    assertThat(kfp.run(own.getStatus().getRunId()).experimentId()).isEqualTo("exp-a");
  }

  private static KfpRun kfpRun(String runId, String description, Instant createdAt) {
    return new KfpRun(null, runId, runId, KfpStorageState.AVAILABLE, description, null, null, null, null, createdAt,
        createdAt, null, KfpRuntimeState.RUNNING, null, null, null, null, null);
  }
}
