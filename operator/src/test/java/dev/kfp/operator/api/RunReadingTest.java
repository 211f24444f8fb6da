package dev.kfp.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** Reading a Run never fails: unknown fields are ignored, and a value of another type marks the part unreadable. */
class RunReadingTest {


  private static Run read(String yaml) {
    return Serialization.unmarshal(yaml, Run.class);
  }

  @Test
  void unknownFieldsInSpecAndStatusAreIgnored() {
    Run run = read("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: newer, namespace: team-a}
        spec:
          paramters: {lr: 1}
          pipeline: {versionRef: {pipelineId: p1, channel: stable}}
        status:
          runId: r1
          queuePosition: 3
          conditions: [{type: Submitted, status: "True", reason: Created, severity: Info}]
        """);

    assertThat(run.unreadable()).isNull();
    assertThat(run.getSpec().getPipeline().getVersionRef().pipelineId()).isEqualTo("p1");
    assertThat(run.getStatus().getRunId()).isEqualTo("r1");
  }

  @Test
  void aSpecValueOfAnotherTypeMarksTheSpecUnreadableAndNamesTheField() {
    Run run = read("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: odd, namespace: team-a}
        spec:
          pipeline: {versionRef: {pipelineId: [not, a, string]}}
        status: {runId: r1}
        """);

    assertThat(run.unreadable()).startsWith("spec cannot be read: pipeline.versionRef.pipelineId: ");
    assertThat(run.getStatus().getRunId()).isEqualTo("r1");
  }

  @Test
  void aStatusValueOfAnotherTypeMarksTheStatusUnreadable() {
    Run run = read("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: odd, namespace: team-a}
        spec:
          pipeline: {versionRef: {pipelineId: p1}}
        status: {runId: r1, stateHistory: {latest: RUNNING}}
        """);

    assertThat(run.unreadable()).startsWith("status cannot be read: stateHistory: ");
    assertThat(read("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: odd, namespace: team-a}
        spec:
          pipeline: {versionRef: {pipelineId: p1}}
        status: {runId: r1, terminated: "yes"}
        """).unreadable()).startsWith("status cannot be read: terminated: ");
    assertThat(run.getStatus().getRunId()).isNull();
    assertThat(run.getSpec().getPipeline().getVersionRef().pipelineId()).isEqualTo("p1");
  }
}
