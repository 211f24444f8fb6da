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
}
