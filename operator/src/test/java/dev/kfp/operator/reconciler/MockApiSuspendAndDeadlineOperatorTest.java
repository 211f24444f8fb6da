package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.tiers.MockApiTier;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link SuspendAndDeadlineOperatorTest} on Fabric8's mock Kubernetes API, and a deadline set
 * on a running Run.
 */
@MockApiTier
class MockApiSuspendAndDeadlineOperatorTest extends SuspendAndDeadlineOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }

  @Test
  void theDeadlineCanBeSetOnARunningRun() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
    harness.clock.set(Instant.now());
    PipelineVersion pipeline = harness.registerPlainPipeline();
    harness.applyVersionRefRun("bounded-later", pipeline, "");
    harness.awaitState("bounded-later", "PENDING");
    harness.clock.advance(OperatorHarness.TIMING.pending());
    harness.awaitState("bounded-later", "RUNNING");

    harness.edit("bounded-later", run -> run.getSpec().setActiveDeadlineSeconds(1L));

    harness.awaitRun("bounded-later", run -> Boolean.TRUE.equals(run.getStatus().getDeadlineExceeded()));
    assertThat(harness.kfp().calls().count(Endpoint.TERMINATE_RUN)).isEqualTo(1);
  }
}
