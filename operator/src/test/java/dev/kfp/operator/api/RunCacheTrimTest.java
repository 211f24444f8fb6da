package dev.kfp.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the informer cache keeps of a Run ({@link Run#trimForCache()}): plain objects, no Kubernetes API. */
class RunCacheTrimTest {

  private static Run inlineRun() {
    Run run = Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata:
          name: trim-me
          namespace: team-a
          uid: uid-1
          generation: 2
          annotations: {kubectl.kubernetes.io/last-applied-configuration: '{"the":"whole manifest"}', team: a}
        spec:
          experimentId: exp-1
          queueName: gpu
          archived: true
          pipeline:
            spec: {pipelineInfo: {name: p}, root: {dag: {tasks: {}}}}
          parameters: {epochs: 3}
        """, Run.class);
    run.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("kubectl")
        .withOperation("Update").build()));
    return run;
  }

  @Test
  void aRunWaitingForSubmissionKeepsItsSpecButNeitherManagedFieldsNorTheLastAppliedManifest() {
    Run run = inlineRun().trimForCache();

    assertThat(run.getMetadata().getManagedFields()).isNull();
    assertThat(run.getMetadata().getAnnotations()).containsOnlyKeys("team");
    assertThat(run.getSpec().getPipeline().getSpec()).isNotNull();
    assertThat(run.getSpec().getParameters()).containsOnlyKeys("epochs");
    assertThat(run.getSpec().trimmed()).isNull();
  }

  @Test
  void aSubmittedRunLeavesOutItsInlineSpecAndParametersAndKeepsTheirSize() throws Exception {
    Run run = inlineRun();
    long specBytes = new ObjectMapper().writeValueAsBytes(run.getSpec().getPipeline().getSpec()).length;
    run.setStatus(new RunStatus());
    run.getStatus().setRunId("run-1");
    run.getStatus().setObservedGeneration(2L);

    run.trimForCache();

    assertThat(run.getSpec().getPipeline().getSpec()).isNull();
    assertThat(run.getSpec().getParameters()).isNull();
    assertThat(run.getSpec().trimmed()).isEqualTo(new RunSpec.Trimmed(specBytes, true));
    assertThat(List.of(run.getSpec().getExperimentId(), run.getSpec().getQueueName(), run.getSpec().getArchived()))
        .as("what the operator reads after the create stays").containsExactly("exp-1", "gpu", true);
    assertThat(run.getStatus().getRunId()).isEqualTo("run-1");
  }

  @Test
  void theMarkSaysWhenTheStatusHasNotObservedTheGenerationYet() {
    Run run = inlineRun();
    run.setStatus(new RunStatus());
    run.getStatus().setRunId("run-1");
    run.getStatus().setObservedGeneration(1L);

    assertThat(run.trimForCache().getSpec().trimmed().generationObserved()).isFalse();
  }

  @Test
  void theMarkSurvivesJosdksCloneThroughJson() {
    Run run = inlineRun();
    run.setStatus(new RunStatus());
    run.getStatus().setRunId("run-1");
    run.trimForCache();

    Run clone = Serialization.clone(run).withMarksOf(run);

    assertThat(Serialization.asJson(run)).doesNotContain("trimmed");
    assertThat(clone.getSpec().trimmed()).isEqualTo(run.getSpec().trimmed());
  }

  @Test
  void anUnreadableRunIsKeptWhole() {
    Run run = Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: odd, namespace: team-a}
        spec:
          pipeline: {spec: {root: {}}}
          parameters: {epochs: 3}
          suspend: {not: a boolean}
        status: {runId: run-1}
        """, Run.class);
    assertThat(run.unreadable()).isNotNull();

    run.trimForCache();

    assertThat(run.getSpec().trimmed()).isNull();
    assertThat(Map.of("json", run.getSpec().unreadableJson().toString())).extractingByKey("json").asString()
        .contains("epochs");
  }

  private static Run finishedRun(String name, String uid, String runId) {
    return Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata:
          name: %s
          namespace: team-a
          uid: %s
          creationTimestamp: "2026-12-05T17:30:00Z"
          labels: {pipelines.kfp.dev/schedule: nightly}
          finalizers: [pipelines.kfp.dev/finalizer]
        spec:
          deletionPolicy: Archive
          pipeline: {versionRef: {pipelineId: p-1}}
        status:
          runId: %s
          state: SUCCEEDED
          storageState: AVAILABLE
          createdAt: "2026-12-05T17:30:00Z"
          finishedAt: "2026-12-05T17:30:23Z"
          stateHistory:
          - {state: PENDING, updateTime: "2026-12-05T17:30:00Z"}
          - {state: SUCCEEDED, updateTime: "2026-12-05T17:30:23Z"}
          conditions:
          - {type: Succeeded, status: "True", reason: Succeeded, message: "KFP run %s succeeded",
             lastTransitionTime: "2026-12-05T17:31:51Z"}
        """.formatted(name, uid, runId, runId), Run.class);
  }

  @Test
  void valuesManyRunsHoldAreOneInstanceAndARunsRepeatedTimesAreOneInstanceInIt() {
    Run first = finishedRun("a", "uid-a", "run-a");
    Run second = finishedRun("b", "uid-b", "run-b");
    String firstJson = Serialization.asJson(first);
    assertThat(second.getMetadata().getNamespace()).as("parsing gives each Run its own copies")
        .isNotSameAs(first.getMetadata().getNamespace());

    first.trimForCache();
    second.trimForCache();

    assertThat(Serialization.asJson(first)).as("the values are the same, only their instances are shared")
        .isEqualTo(firstJson);
    List<java.util.function.Function<Run, Object>> shared = List.of(
        run -> run.getMetadata().getNamespace(),
        run -> run.getMetadata().getFinalizers().get(0),
        run -> run.getMetadata().getLabels().keySet().iterator().next(),
        run -> run.getMetadata().getLabels().values().iterator().next(),
        run -> run.getSpec().getDeletionPolicy(),
        run -> run.getSpec().getPipeline().getVersionRef().pipelineId(),
        run -> run.getStatus().getState(),
        run -> run.getStatus().getStorageState(),
        run -> run.getStatus().getStateHistory().get(0).state(),
        run -> run.getStatus().getConditions().get(0).getType(),
        run -> run.getStatus().getConditions().get(0).getStatus(),
        run -> run.getStatus().getConditions().get(0).getReason());
    for (var value : shared) {
      assertThat(value.apply(second)).isSameAs(value.apply(first));
    }
    assertThat(first.getStatus().getCreatedAt()).isSameAs(first.getMetadata().getCreationTimestamp())
        .isSameAs(first.getStatus().getStateHistory().get(0).updateTime());
    assertThat(first.getStatus().getFinishedAt()).isSameAs(first.getStatus().getStateHistory().get(1).updateTime());
    assertThat(first.getStatus().getCreatedAt()).as("a Run's own times are not shared with other Runs")
        .isNotSameAs(second.getStatus().getCreatedAt());
  }
}
