package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Run that never got a run id is looked at again within the resync interval, in both sync modes, though
 * nothing reschedules it: here JOSDK gave up after its retries (it would come back after 10 hours) because
 * every status write was refused. Against the Fabric8 mock, which scripts the refusals, and the simulator.
 */
@MockApiTier
class SubmissionResyncTest {

  /** More refusals than JOSDK makes attempts (5), so that JOSDK alone gives up and would come back in 10 hours. */
  private static final int REFUSED_WRITES = 8;
  private OperatorHarness harness;

  @AfterEach
  void stop() {
    harness.close();
  }

  @ParameterizedTest(name = "per-run sync {0}")
  @ValueSource(booleans = {true, false})
  void aRunWhoseReconcilesFailedUntilJosdkGaveUpIsLookedAtAgainWithinTheResyncInterval(boolean pollsEachRun) {
    harness = OperatorHarness.start(pollsEachRun, simulator -> { });
    PipelineVersion pipeline = harness.registerPlainPipeline();
    harness.mock().server().expect().patch()
        .withPath("/apis/pipelines.kfp.dev/v1alpha1/namespaces/team-a/runs/stranded/status")
        .andReturn(403, new StatusBuilder().withCode(403).withMessage("refused by a policy for a while").build())
        .times(REFUSED_WRITES);

    Instant applied = Instant.now();
    harness.applyVersionRefRun("stranded", pipeline);
    Run run = harness.awaitRun("stranded", r -> r.getStatus() != null && r.getStatus().getRunId() != null);

    System.out.printf("%s sync: %d status writes refused, %d failed reconciles; run id after %.1f s (resync "
            + "interval %d s), %d create call(s)%n", pollsEachRun ? "per-run" : "bulk", REFUSED_WRITES,
        harness.failures("stranded").size(), Duration.between(applied, Instant.now()).toMillis() / 1000.0,
        OperatorHarness.RESYNC.toSeconds(), harness.kfp.calls().count(Endpoint.CREATE_RUN));
    assertThat(harness.failures("stranded")).as("reconciles failed until JOSDK gave up").hasSizeGreaterThanOrEqualTo(5);
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
    assertThat(harness.kfp.runs()).singleElement()
        .satisfies(kfpRun -> assertThat(kfpRun.runId()).isEqualTo(run.getStatus().getRunId()));
  }
}
