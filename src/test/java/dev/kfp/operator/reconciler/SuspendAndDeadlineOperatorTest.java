package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.reconciler.OperatorHarness.Backend;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code spec.suspend} and {@code spec.activeDeadlineSeconds} end to end: a JOSDK operator (bulk sync) on the
 * real API server and on the mock, against the KFP simulator, with the KFP calls counted.
 */
class SuspendAndDeadlineOperatorTest {

  private OperatorHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aSuspendedRunReachesKfpOnlyOnceReleased(Backend backend) {
    harness = OperatorHarness.start(backend, false, simulator -> { });
    PipelineVersion pipeline = harness.registerPlainPipeline();
    harness.applyVersionRefRun("held", pipeline, "suspend: true");

    Run held = harness.awaitRun("held", run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED)
            .map(c -> RunConditions.REASON_SUSPENDED.equals(c.getReason())).orElse(false));
    assertThat(held.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .as("what kubectl get shows in its Reason column").isEqualTo(RunConditions.REASON_SUSPENDED);
    assertThat(harness.eventReasons("held")).contains(RunConditions.REASON_SUSPENDED);
    long reconcilesWhileHeld = harness.reconciles("held");
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
    assertThat(harness.reconciles("held")).as("a held Run is not polled").isEqualTo(reconcilesWhileHeld);

    harness.edit("held", run -> run.getSpec().setSuspend(false));

    harness.awaitState("held", "PENDING");
    assertThat(harness.get("held").getStatus().isTrue(RunConditions.SUBMITTED)).isTrue();
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aRunActivePastItsDeadlineIsTerminatedOnce(Backend backend) {
    harness = OperatorHarness.start(backend, false, simulator -> { });
    // KFP's creation time is the simulator's clock; put it at the operator's, which counts the deadline.
    harness.clock.set(Instant.now());
    PipelineVersion pipeline = harness.registerPlainPipeline();
    harness.applyVersionRefRun("bounded", pipeline, "activeDeadlineSeconds: 4");
    Instant created = Instant.parse(harness.awaitState("bounded", "PENDING").getStatus().getCreatedAt());
    harness.clock.advance(OperatorHarness.TIMING.pending());

    Run over = await().atMost(Duration.ofSeconds(30)).until(() -> harness.get("bounded"),
        run -> Boolean.TRUE.equals(run.getStatus().getDeadlineExceeded()));

    assertThat(over.getStatus().condition(RunConditions.SUCCEEDED)).get().satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo(RunConditions.REASON_DEADLINE_EXCEEDED);
    });
    harness.clock.advance(OperatorHarness.TIMING.canceling());
    Run ended = harness.awaitRun("bounded", run -> run.getStatus().getFinishedAt() != null);
    assertThat(ended.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_DEADLINE_EXCEEDED);
    assertThat(harness.kfp().calls().count(Endpoint.TERMINATE_RUN)).isEqualTo(1);
    assertThat(harness.events("bounded")).filteredOn(e -> RunConditions.REASON_DEADLINE_EXCEEDED.equals(e.getReason()))
        .singleElement().satisfies(e -> assertThat(Instant.parse(e.getFirstTimestamp()))
            .as("not before the deadline").isAfterOrEqualTo(created.plusSeconds(4)));
  }

  @Test
  void theDeadlineCanBeSetOnARunningRun() {
    harness = OperatorHarness.start(Backend.MOCK, false, simulator -> { });
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
