package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.Phases.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.kfp.KfpErrors;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.reconciler.cleanup.GitOpsTracking;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@code spec.ttlSecondsAfterFinished} and the operator's default: when a finished Run is to be
 * deleted, when it is looked at again, and what happens instead to a Run a GitOps tool tracks. Against
 * {@link FakeKfp}, a fake, on a clock the test moves.
 */
class TtlAfterFinishedTest {

  private final Phases phases = new Phases();
  private final FakeKfp kfp = phases.kfp;
  private int callsBefore;

  /** A Run whose KFP run finished (SUCCEEDED) at the clock's time, after a look that saw it. */
  private Run finishedRun(String name) {
    Run run = phases.followedRun(name, KfpRuntimeState.SUCCEEDED);
    kfp.store(FakeKfp.withFinishedAt(kfp.run(run.getStatus().getRunId()), phases.clock.instant()));
    phases.follower().follow(run, Optional::empty, read -> { }, false);
    assertThat(run.getStatus().getFinishedAt()).isEqualTo(phases.clock.instant().toString());
    callsBefore = kfp.calls().size();
    return run;
  }

  /** The KFP calls since the Run was seen finished, or since the last {@link #callsSoFar()}. */
  private List<String> newCalls() {
    List<String> calls = kfp.calls();
    return calls.subList(callsBefore, calls.size());
  }

  private void callsSoFar() {
    callsBefore = kfp.calls().size();
  }

  @Test
  void beforeTheTtlIsOverTheRunIsLookedAtAgainWhenItEnds() {
    Run run = finishedRun("short-lived");
    run.getSpec().setTtlSecondsAfterFinished(60L);
    phases.clock.advance(Duration.ofSeconds(10));

    PhaseResult outcome = phases.ttl(null).check(run);

    assertThat(outcome.deleteRun()).isFalse();
    assertThat(outcome.lookAgainIn()).contains(Duration.ofSeconds(50));
    assertThat(newCalls()).isEmpty();
  }

  @Test
  void onceTheTtlIsOverTheRunIsDeletedAndKfpIsLeftToTheFinalizer() {
    Run run = finishedRun("expired");
    run.getSpec().setTtlSecondsAfterFinished(60L);
    phases.clock.advance(Duration.ofSeconds(60));

    PhaseResult outcome = phases.ttl(null).check(run);

    assertThat(outcome.deleteRun()).isTrue();
    assertThat(outcome.lookAgainIn()).isEmpty();
    assertThat(newCalls()).as("the deletion policy is the finalizer's job").isEmpty();
    assertThat(phases.events.all()).filteredOn(e -> RunConditions.REASON_EXPIRED.equals(e.reason()))
        .singleElement().satisfies(e -> assertThat(e.message())
            .contains("spec.ttlSecondsAfterFinished (60 s) passed", "deletion policy Archive"));
    assertThat(run.getStatus().condition(RunConditions.CLEANED)).isEmpty();
  }

  @Test
  void zeroDeletesTheRunAsSoonAsItIsSeenFinished() {
    Run run = finishedRun("at-once");
    run.getSpec().setTtlSecondsAfterFinished(0L);

    assertThat(phases.ttl(null).check(run).deleteRun()).isTrue();
  }

  @Test
  void theOperatorsDefaultAppliesToRunsThatSetNoTtl() {
    Run run = finishedRun("by-default");
    phases.clock.advance(Duration.ofSeconds(10));

    assertThat(phases.ttl(null).check(run)).isEqualTo(PhaseResult.NONE);
    assertThat(phases.ttl(30L).check(run).lookAgainIn()).contains(Duration.ofSeconds(20));
    phases.clock.advance(Duration.ofSeconds(20));
    PhaseResult outcome = phases.ttl(30L).check(run);
    assertThat(outcome.deleteRun()).isTrue();
    assertThat(phases.events.all()).anySatisfy(e -> assertThat(e.message())
        .contains("the operator's default TTL_SECONDS_AFTER_FINISHED (30 s)"));
  }

  @Test
  void theRunsOwnTtlWinsOverTheDefault() {
    Run run = finishedRun("own-ttl");
    run.getSpec().setTtlSecondsAfterFinished(3600L);
    phases.clock.advance(Duration.ofSeconds(60));

    PhaseResult outcome = phases.ttl(30L).check(run);

    assertThat(outcome.deleteRun()).isFalse();
    assertThat(outcome.lookAgainIn()).contains(Duration.ofSeconds(3540));
  }

  @Test
  void aRunStillActiveHasNoTtlYet() {
    Run run = phases.followedRun("active", KfpRuntimeState.RUNNING);
    run.getSpec().setTtlSecondsAfterFinished(0L);
    phases.follower().follow(run, Optional::empty, read -> { }, false);

    assertThat(phases.ttl(0L).check(run)).isEqualTo(PhaseResult.NONE);
  }

  @Test
  void aFailedLookDoesNotCountAsFinished() {
    Run run = finishedRun("unsure");
    run.getSpec().setTtlSecondsAfterFinished(0L);
    kfp.failNext("GetRun", KfpErrors.timedOut("GetRun"));
    phases.follower().follow(run, Optional::empty, read -> { }, false);
    assertCondition(run, RunConditions.SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE);

    assertThat(phases.ttl(null).check(run)).as("a retry may have been accepted meanwhile")
        .isEqualTo(PhaseResult.NONE);
  }

  @Test
  void aRunTrackedByArgoCdIsKeptAndItsKfpRunArchived() {
    Run run = finishedRun("argo-tracked");
    run.getSpec().setTtlSecondsAfterFinished(0L);
    run.getMetadata().setAnnotations(Map.of(GitOpsTracking.ARGO_CD_TRACKING_ID,
        "pipelines:pipelines.kfp.dev/Run:team-a/argo-tracked"));

    PhaseResult outcome = phases.ttl(null).check(run);

    assertThat(outcome.deleteRun()).isFalse();
    assertThat(newCalls()).containsExactly("GetRun", "ArchiveRun");
    assertThat(kfp.run(run.getStatus().getRunId()).storageState()).isEqualTo(KfpStorageState.ARCHIVED);
    assertThat(run.getStatus().getStorageState()).isEqualTo("ARCHIVED");
    assertCondition(run, RunConditions.CLEANED, "True", RunConditions.REASON_KEPT_FOR_GITOPS);
    assertThat(Phases.condition(run, RunConditions.CLEANED).getMessage())
        .contains("Argo CD (annotation argocd.argoproj.io/tracking-id=", "is archived (deletion policy Archive)");
    assertThat(phases.events.reasons()).contains("Archived", RunConditions.REASON_KEPT_FOR_GITOPS);

    callsSoFar();
    assertThat(phases.ttl(null).check(run)).as("done once").isEqualTo(PhaseResult.NONE);
    assertThat(newCalls()).isEmpty();
  }

  @Test
  void aRunTrackedByFluxWithPolicyDeleteHasItsKfpRunDeleted() {
    Run run = finishedRun("flux-tracked");
    run.getSpec().setTtlSecondsAfterFinished(0L);
    run.getSpec().setDeletionPolicy("Delete");
    run.getMetadata().setLabels(Map.of(GitOpsTracking.FLUX_KUSTOMIZATION_LABEL, "pipelines",
        "kustomize.toolkit.fluxcd.io/namespace", "flux-system"));

    assertThat(phases.ttl(null).check(run).deleteRun()).isFalse();

    assertThat(newCalls()).containsExactly("GetRun", "DeleteRun");
    assertThat(kfp.runs()).isEmpty();
    assertCondition(run, RunConditions.CLEANED, "True", RunConditions.REASON_KEPT_FOR_GITOPS);
    assertThat(Phases.condition(run, RunConditions.CLEANED).getMessage())
        .contains("Flux (label kustomize.toolkit.fluxcd.io/name=pipelines)", "was deleted");
    assertThat(run.getStatus().getState()).as("the last state seen stays").isEqualTo("SUCCEEDED");
  }

  @Test
  void aTrackedRunWithPolicyOrphanLeavesKfpAlone() {
    Run run = finishedRun("orphan-tracked");
    run.getSpec().setTtlSecondsAfterFinished(0L);
    run.getSpec().setDeletionPolicy("Orphan");
    run.getMetadata().setLabels(Map.of(GitOpsTracking.FLUX_HELM_RELEASE_LABEL, "pipelines"));

    phases.ttl(null).check(run);

    assertThat(newCalls()).isEmpty();
    assertCondition(run, RunConditions.CLEANED, "True", RunConditions.REASON_KEPT_FOR_GITOPS);
    assertThat(Phases.condition(run, RunConditions.CLEANED).getMessage()).contains("left as it is");
  }

  @Test
  void aTrackedRunWhoseCleanupKfpRefusesIsTriedAgainAndNotMarkedCleaned() {
    Run run = finishedRun("blocked");
    run.getSpec().setTtlSecondsAfterFinished(0L);
    run.getMetadata().setLabels(Map.of(GitOpsTracking.ARGO_CD_INSTANCE_LABEL, "pipelines"));
    kfp.failNext("ArchiveRun", KfpErrors.answered("ArchiveRun", 503, "unavailable"));

    PhaseResult outcome = phases.ttl(null).check(run);

    assertThat(outcome.deleteRun()).isFalse();
    assertThat(outcome.lookAgainIn()).isPresent();
    assertThat(run.getStatus().condition(RunConditions.CLEANED)).isEmpty();
    assertCondition(run, RunConditions.SYNCED, "False", RunConditions.REASON_KFP_UNREACHABLE);

    phases.follower().follow(run, Optional::empty, read -> { }, false); // the retry's reconcile looks first
    phases.ttl(null).check(run);
    assertCondition(run, RunConditions.CLEANED, "True", RunConditions.REASON_KEPT_FOR_GITOPS);
  }

  @Test
  void aTrackedRunWhoseKfpRunIsAlreadyGoneIsCleaned() {
    Run run = finishedRun("gone");
    run.getSpec().setTtlSecondsAfterFinished(0L);
    run.getMetadata().setAnnotations(Map.of(GitOpsTracking.ARGO_CD_TRACKING_ID, "app:pipelines.kfp.dev/Run:x/y"));
    kfp.removeOutsideTheOperator(run.getStatus().getRunId());

    phases.ttl(null).check(run);

    assertCondition(run, RunConditions.CLEANED, "True", RunConditions.REASON_KEPT_FOR_GITOPS);
    assertThat(Phases.condition(run, RunConditions.CLEANED).getMessage()).contains("no longer exists");
  }

  @Test
  void onlyTheToolsMarksCountAsTracking() {
    Run plain = Phases.newRun("plain");
    plain.getMetadata().setLabels(Map.of("app.kubernetes.io/name", "training"));
    plain.getMetadata().setAnnotations(Map.of("argocd.argoproj.io/sync-wave", "1"));
    Run emptyMark = Phases.newRun("empty-mark");
    emptyMark.getMetadata().setLabels(Map.of(GitOpsTracking.ARGO_CD_INSTANCE_LABEL, ""));

    assertThat(GitOpsTracking.trackedBy(plain)).isEmpty();
    assertThat(GitOpsTracking.trackedBy(emptyMark)).isEmpty();
    assertThat(GitOpsTracking.trackedBy(Phases.newRun("unlabelled"))).isEmpty();
  }

  @Test
  void aRunFinishedLongAgoExpiresOnItsFirstLook() {
    Run run = finishedRun("old");
    run.getSpec().setTtlSecondsAfterFinished(60L);
    phases.clock.advance(Duration.ofDays(3));

    assertThat(phases.ttl(null).check(run).deleteRun()).isTrue();
    assertThat(Instant.parse(run.getStatus().getFinishedAt())).isBefore(phases.clock.instant());
  }
}
