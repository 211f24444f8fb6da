package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.reconciler.OperatorHarness.Backend;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.PipelineVersion;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.suspend} and {@code spec.activeDeadlineSeconds} end to end: a JOSDK operator (bulk sync) on the
 * Kubernetes API of each subclass, against the KFP simulator, with the KFP calls counted.
 */
abstract class SuspendAndDeadlineOperatorTest {

  OperatorHarness harness;

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract Backend backend();

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  /** Starts the operator on {@link #backend()}, applies a suspended Run and waits until the operator holds it. */
  Run startWithASuspendedRun(String name) {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
    harness.applyVersionRefRun(name, harness.registerPlainPipeline(), "suspend: true");
    return harness.awaitRun(name, run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED)
            .map(c -> RunConditions.REASON_SUSPENDED.equals(c.getReason())).orElse(false));
  }

  @Test
  void aSuspendedRunReachesKfpOnlyOnceReleased() {
    Run held = startWithASuspendedRun("held");
    assertThat(held.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .as("what kubectl get shows in its Reason column").isEqualTo(RunConditions.REASON_SUSPENDED);
    assertThat(harness.eventReasons("held")).contains(RunConditions.REASON_SUSPENDED);
    long reconcilesWhileHeld = harness.reconciles("held");
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
    assertThat(harness.reconciles("held")).as("a held Run is not polled").isEqualTo(reconcilesWhileHeld);
    harness.awaitReconciled(harness.touch("held"));
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).as("looked at again, still held").isZero();

    harness.edit("held", run -> run.getSpec().setSuspend(false));

    harness.awaitState("held", "PENDING");
    assertThat(harness.get("held").getStatus().isTrue(RunConditions.SUBMITTED)).isTrue();
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }

  /**
   * A suspended Run is resumed; its create reaches KFP and is stored, but the answer is lost, and
   * {@code suspend: true} is set while the create is still in flight. The Run must not say that nothing was sent:
   * it finds its KFP run by the marker and reports it, within the create window, with one create in all.
   */
  @Test
  void suspendSetWhileACreatesAnswerIsLostReportsTheRunThatExists() {
    startWithASuspendedRun("in-doubt");
    // KFP holds the create a moment (less than the client's read timeout), stores it, and the answer is lost.
    harness.kfp().faults()
        .inject(Fault.latency(Duration.ofMillis(1800)).on(Endpoint.CREATE_RUN).times(1))
        .inject(Fault.commitThenDrop().times(1));

    harness.edit("in-doubt", run -> run.getSpec().setSuspend(false));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> harness.kfp().calls().count(Endpoint.CREATE_RUN) == 1);
    harness.edit("in-doubt", run -> run.getSpec().setSuspend(true));
    Instant suspendedAgain = Instant.now();
    assertThat(harness.kfp().runs()).as("suspend was set while the create was still in flight").isEmpty();

    Run reported = await("the Run reports its KFP run within the create window")
        .atMost(OperatorHarness.CREATE_WINDOW).pollInterval(Duration.ofMillis(50))
        .until(() -> harness.get("in-doubt"), run -> run.getStatus().getRunId() != null);

    assertThat(Duration.between(suspendedAgain, Instant.now())).isLessThan(OperatorHarness.CREATE_WINDOW);
    assertThat(harness.kfp().runs()).singleElement()
        .satisfies(kfpRun -> assertThat(kfpRun.runId()).isEqualTo(reported.getStatus().getRunId()));
    assertThat(reported.getStatus().condition(RunConditions.SUBMITTED)).get().satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo(RunConditions.REASON_ADOPTED);
    });
    assertThat(reported.getSpec().isSuspended()).isTrue();
    harness.awaitState("in-doubt", "PENDING");
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
    assertThat(harness.eventReasons("in-doubt")).contains("Adopted");
  }

  @Test
  void aRunActivePastItsDeadlineIsTerminatedOnce() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
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

}
