package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.Phases.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.PipelineSource.VersionRef;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.kfp.KfpErrors;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.status.StatusWriter;
import dev.kfp.operator.reconciler.submit.RunSubmitter;
import dev.kfp.operator.reconciler.submit.SubmissionMarker;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules of a version reference by name: {@code pipelineName} (and {@code versionName}) through KFP's pipeline
 * service, {@code pipelineVersionObject} through the Kubernetes API; resolved once per submission, and what is
 * refused. Against {@link FakeKfp}, a fake, and PipelineVersion metadata kept in a map.
 */
class PipelinesByNameTest {

  private final Phases phases = new Phases();
  private final FakeKfp kfp = phases.kfp;

  private static Run runOf(String name, VersionRef ref) {
    Run run = Phases.newRun(name);
    run.getSpec().setPipeline(new PipelineSource(ref, null, null));
    return run;
  }

  private PhaseResult submit(Run run) {
    return phases.submitter().submit(run, () -> StatusWriter.Outcome.WRITTEN);
  }

  private PipelineVersionReference createdWith() {
    assertThat(kfp.runs()).as("one KFP run").hasSize(1);
    return kfp.runs().get(0).pipelineVersionReference();
  }

  @Test
  void aPipelineAndVersionByNameBecomeTheIdsOfTheCreate() {
    kfp.addPipeline("train", "v1", "v2");
    Run run = runOf("by-name", VersionRef.byName("train", "v2"));

    PhaseResult submission = submit(run);

    assertThat(submission.kfpRun()).isPresent();
    assertThat(createdWith()).isEqualTo(new PipelineVersionReference("pipeline-1", "pipeline-1-v2"));
    assertThat(kfp.calls()).containsExactly("ListRuns", "GetPipelineByName", "ListPipelineVersions", "CreateRun");
    assertThat(kfp.pipelineNamespacesAsked()).as("multi-user KFP looks in the Run's namespace")
        .containsExactly(Phases.NAMESPACE);
    assertThat(run.getStatus().getPipelineId()).isEqualTo("pipeline-1");
    assertThat(run.getStatus().getPipelineVersionId()).isEqualTo("pipeline-1-v2");
    assertThat(phases.events.all()).anySatisfy(event -> {
      assertThat(event.reason()).isEqualTo("PipelineResolved");
      assertThat(event.message()).contains("pipeline 'train' version 'v2'", "pipeline-1-v2");
    });
  }

  @Test
  void withoutAVersionNameOnlyThePipelineIdIsSentAndKfpPicksItsLatestVersion() {
    kfp.addPipeline("train", "v1", "v2");

    submit(runOf("latest", VersionRef.byName("train", null)));

    assertThat(createdWith()).isEqualTo(new PipelineVersionReference("pipeline-1", null));
    assertThat(kfp.count("ListPipelineVersions")).isZero();
  }

  @Test
  void anUnknownPipelineIsAnInvalidSpecLookedForAgainAtTheResyncInterval() {
    Run run = runOf("not-yet", VersionRef.byName("train", null));

    PhaseResult submission = submit(run);

    assertThat(submission.lookAgainIn()).contains(Phases.RESYNC);
    assertCondition(run, RunConditions.SUBMITTED, "False", RunConditions.REASON_INVALID_SPEC);
    assertCondition(run, RunConditions.SUCCEEDED, "Unknown", RunConditions.REASON_INVALID_SPEC);
    assertThat(Phases.condition(run, RunConditions.SUBMITTED).getMessage())
        .contains("KFP has no pipeline named 'train'", "upload it");
    assertThat(phases.events.all()).anySatisfy(event -> {
      assertThat(event.type()).isEqualTo("Warning");
      assertThat(event.reason()).isEqualTo(RunConditions.REASON_INVALID_SPEC);
    });
    assertThat(kfp.count("CreateRun")).isZero();
    assertThat(run.getStatus().getClaim()).as("no claim: no create was on its way").isNull();

    kfp.addPipeline("train", "v1");
    submit(run);

    assertThat(createdWith().pipelineId()).isEqualTo("pipeline-1");
    assertCondition(run, RunConditions.SUBMITTED, "True", RunConditions.REASON_CREATED);
  }

  @Test
  void anUnknownVersionNameIsAnInvalidSpecThatMayResolveItself() {
    kfp.addPipeline("train", "v1");
    Run run = runOf("no-such-version", VersionRef.byName("train", "v9"));

    PhaseResult submission = submit(run);

    assertThat(submission.lookAgainIn()).contains(Phases.RESYNC);
    assertThat(Phases.condition(run, RunConditions.SUBMITTED).getMessage())
        .contains("pipeline 'train' (pipeline-1) has no version with display name 'v9'");
    assertThat(kfp.count("CreateRun")).isZero();
  }

  @Test
  void twoVersionsWithTheDisplayNameAreAmbiguousAndNothingIsCreated() {
    kfp.addPipeline("train", "v1", "v1", "v2");
    Run run = runOf("ambiguous", VersionRef.byName("train", "v1"));

    submit(run);

    assertCondition(run, RunConditions.SUBMITTED, "False", RunConditions.REASON_INVALID_SPEC);
    assertThat(Phases.condition(run, RunConditions.SUBMITTED).getMessage())
        .contains("has 2 versions with display name 'v1'", "pipeline-1-v1", "pipeline-1-v2",
            "pipelineVersionId");
    assertThat(kfp.count("CreateRun")).isZero();
    assertThat(run.getStatus().getPipelineId()).as("nothing resolved").isNull();
  }

  @Test
  void aLaterAttemptOfTheSameSubmissionReusesTheIdsInsteadOfAskingAgain() {
    kfp.addPipeline("train", "v1");
    Run run = runOf("retried", VersionRef.byName("train", "v1"));
    kfp.failNext("CreateRun", KfpErrors.answered("CreateRun", 503, "unavailable"));
    RunSubmitter submitter = phases.submitter();
    submitter.submit(run, () -> StatusWriter.Outcome.WRITTEN);
    assertThat(run.getStatus().getRunId()).isNull();
    kfp.addPipeline("train", "v1"); // the name now finds another pipeline: the submission keeps the first one

    phases.clock.advance(Phases.CREATE_WINDOW.plus(Duration.ofSeconds(1)));
    submitter.submit(run, () -> StatusWriter.Outcome.WRITTEN);

    assertThat(kfp.count("CreateRun")).isEqualTo(2);
    assertThat(kfp.count("GetPipelineByName")).as("resolved once per submission").isEqualTo(1);
    assertThat(kfp.count("ListPipelineVersions")).isEqualTo(1);
    assertThat(createdWith()).isEqualTo(new PipelineVersionReference("pipeline-1", "pipeline-1-v1"));
  }

  @Test
  void anAdoptedRunNeedsNoResolutionAndShowsTheIdsKfpNamed() {
    Run run = runOf("adopted", VersionRef.byName("train", "v1"));
    kfp.store(new KfpRun(null, "run-earlier", "adopted", KfpStorageState.AVAILABLE,
        SubmissionMarker.of(run).describe(null), new PipelineVersionReference("p-9", "v-9"), null, null, null,
        phases.clock.instant(), phases.clock.instant(), null, null, null, null, null, null, null));

    submit(run);

    assertThat(kfp.calls()).containsExactly("ListRuns");
    assertThat(run.getStatus().getRunId()).isEqualTo("run-earlier");
    assertThat(List.of(run.getStatus().getPipelineId(), run.getStatus().getPipelineVersionId()))
        .containsExactly("p-9", "v-9");
  }

  @Test
  void aPipelineVersionObjectGivesItsUidAndItsPipelineOwnersUid() {
    phases.pipelineVersions.put(Phases.NAMESPACE + "/train-v1", new ObjectMetaBuilder().withName("train-v1")
        .withNamespace(Phases.NAMESPACE).withUid("version-uid")
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("pipelines.kubeflow.org/v2beta1")
            .withKind("Pipeline").withName("train").withUid("pipeline-uid").build())
        .build());
    Run run = runOf("by-object", VersionRef.byObject("train-v1"));

    submit(run);

    assertThat(createdWith()).isEqualTo(new PipelineVersionReference("pipeline-uid", "version-uid"));
    assertThat(kfp.calls()).containsExactly("ListRuns", "CreateRun");
    assertThat(run.getStatus().getPipelineVersionId()).isEqualTo("version-uid");
  }

  @Test
  void aMissingPipelineVersionObjectIsLookedForAgain() {
    Run run = runOf("object-missing", VersionRef.byObject("train-v1"));

    PhaseResult submission = submit(run);

    assertThat(submission.lookAgainIn()).contains(Phases.RESYNC);
    assertThat(Phases.condition(run, RunConditions.SUBMITTED).getMessage())
        .contains("PipelineVersion team-a/train-v1", "does not exist");
    assertThat(kfp.count("CreateRun")).isZero();
  }

  @Test
  void aPipelineVersionObjectWithoutItsPipelineOwnerIsRefused() {
    phases.pipelineVersions.put(Phases.NAMESPACE + "/stray", new ObjectMetaBuilder().withName("stray")
        .withUid("version-uid").build());
    Run run = runOf("object-stray", VersionRef.byObject("stray"));

    submit(run);

    assertThat(Phases.condition(run, RunConditions.SUBMITTED).getMessage())
        .contains("has no owner reference to a pipelines.kubeflow.org/v2beta1 Pipeline");
    assertThat(kfp.count("CreateRun")).isZero();
  }

  @Test
  void namingThePipelineTwoWaysIsRefusedBeforeAnyKfpCall() {
    List<VersionRef> refs = List.of(
        new VersionRef("p-1", null, "train", null, null),
        new VersionRef(null, "v-1", "train", "v1", null),
        new VersionRef(null, null, "train", null, "train-v1"),
        new VersionRef(null, null, null, "v1", null),
        new VersionRef(null, null, null, null, null));
    for (VersionRef ref : refs) {
      Run run = runOf("two-ways", ref);

      PhaseResult submission = submit(run);

      assertCondition(run, RunConditions.SUBMITTED, "False", RunConditions.REASON_INVALID_SPEC);
      assertCondition(run, RunConditions.SUCCEEDED, "False", RunConditions.REASON_INVALID_SPEC);
      assertThat(submission.lookAgainIn()).as(ref + ": only an edit helps").isEmpty();
    }
    assertThat(kfp.calls()).isEmpty();
  }

  @Test
  void aVersionNameWithoutAPipelineNameSaysWhatItNeeds() {
    Run run = runOf("version-alone", new VersionRef(null, null, null, "v1", null));

    submit(run);

    assertThat(Phases.condition(run, RunConditions.SUBMITTED).getMessage())
        .contains("versionName needs pipelineName");
  }

  @Test
  void aSuspendedRunByNameAsksKfpNothing() {
    kfp.addPipeline("train", "v1");
    Run run = runOf("held", VersionRef.byName("train", "v1"));
    run.getSpec().setSuspend(true);

    submit(run);

    assertThat(kfp.calls()).isEmpty();
    assertThat(run.getStatus().getPipelineId()).isNull();
  }
}
