package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.PipelineVersion;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Run gets exactly one KFP run even when the create's answer or the first status write is lost; across a restart,
 * {@link AdoptionAfterRestartTest}.
 */
abstract class ExactlyOnceTest {

  OperatorHarness harness;
  PipelineVersion pipeline;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
    pipeline = harness.registerPlainPipeline();
  }

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract OperatorHarness.Backend backend();

  @AfterEach
  void stop() {
    harness.close();
  }

  void applyRun(String name) {
    harness.applyVersionRefRun(name, pipeline);
  }

  @Test
  void aCreateWhoseAnswerIsLostIsAdoptedNotRepeated() {
    harness.kfp.faults().inject(Fault.commitThenDrop().on(Endpoint.CREATE_RUN).times(1));

    applyRun("lost-answer");

    Run adopted = harness.awaitRun("lost-answer", run -> run.getStatus() != null
        && run.getStatus().getRunId() != null);
    assertThat(harness.kfp.runs()).hasSize(1);
    assertThat(adopted.getStatus().getRunId()).isEqualTo(harness.kfp.runs().get(0).runId());
    assertThat(adopted.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_ADOPTED);
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
    assertThat(harness.eventReasons("lost-answer")).contains("Adopted");
  }

  /** The mock scripts the refused status writes; the real server refuses them by admission policy (subclass). */
  @Test
  void aFailedFirstStatusWriteAfterACreateDoesNotCreateASecondRun() {
    harness.mock().server().expect().patch()
        .withPath("/apis/pipelines.kfp.dev/v1alpha1/namespaces/team-a/runs/status-lost/status")
        .andReturn(500, new StatusBuilder().withCode(500).withMessage("etcd is having a bad day").build())
        .times(3);

    applyRun("status-lost");

    Run run = harness.awaitRun("status-lost", r -> r.getStatus() != null && r.getStatus().getRunId() != null);
    assertThat(harness.kfp.runs()).hasSize(1);
    assertThat(run.getStatus().getRunId()).isEqualTo(harness.kfp.runs().get(0).runId());
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }
}
