package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.reconciler.OperatorHarness.Backend;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.RunSnapshot;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RunQueues end to end: a JOSDK operator (bulk sync) on the Kubernetes API of each subclass, against the KFP
 * simulator on a manual clock. What a queue promises is checked from KFP's side: the simulator's runs, when each
 * was created and finished, and how many creates were sent.
 */
abstract class RunQueueOperatorTest {

  OperatorHarness harness;
  PipelineVersion pipeline;

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract Backend backend();

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  void start() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
    pipeline = harness.registerPlainPipeline();
  }

  void createQueue(String name, int maxActive) {
    harness.k8s().resource(Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: RunQueue
        metadata: {name: %s, namespace: %s}
        spec: {maxActive: %d}
        """.formatted(name, OperatorHarness.NAMESPACE, maxActive), RunQueue.class)).create();
  }

  RunQueue queue(String name) {
    return harness.k8s().resources(RunQueue.class).inNamespace(OperatorHarness.NAMESPACE).withName(name).get();
  }

  /** Applies {@code count} Runs named {@code prefix-1}, ... in that order, all in the queue. */
  List<String> applyRuns(String prefix, int count, String queue) {
    List<String> names = IntStream.rangeClosed(1, count).mapToObj(i -> prefix + "-" + i).toList();
    names.forEach(name -> harness.applyVersionRefRun(name, pipeline, "queueName: " + queue));
    return names;
  }

  /**
   * Lets the queue run to its end: waits until KFP has as many runs as the free slots allow, holds still a moment
   * (an admission too many would show as one more create), then moves KFP's clock so that the active runs finish.
   */
  void driveToTheEnd(int total, int maxActive, int finishedBefore) {
    int finished = finishedBefore;
    while (finished < total) {
      int expected = Math.min(total, finished + maxActive);
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.kfp().runCount() == expected);
      await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
          .until(() -> harness.kfp().runCount() == expected);
      harness.clock.advance(OperatorHarness.TIMING.pending().plus(OperatorHarness.TIMING.running()));
      finished = expected;
    }
  }

  /** The largest number of KFP runs active at one instant of KFP's clock (a run is active from creation to finish). */
  int mostActiveAtOnce() {
    List<RunSnapshot> runs = harness.kfp().runs();
    int most = 0;
    for (RunSnapshot run : runs) {
      Instant at = run.createdAt();
      int active = (int) runs.stream().filter(other -> !other.createdAt().isAfter(at)
          && (other.finishedAt() == null || other.finishedAt().isAfter(at))).count();
      most = Math.max(most, active);
    }
    return most;
  }

  /** KFP's creation time of each Run's run, by the Run's name (the run's display name). */
  Map<String, Instant> createdInKfp() {
    return harness.kfp().runs().stream().collect(Collectors.toMap(RunSnapshot::displayName, RunSnapshot::createdAt));
  }

  void assertFirstInFirstOut(List<String> names) {
    Map<String, Instant> created = createdInKfp();
    assertThat(created.keySet()).as("one KFP run per Run").containsExactlyInAnyOrderElementsOf(names);
    assertThat(names.stream().map(created::get).toList()).as("created in the Runs' order").isSortedAccordingTo(
        Comparator.naturalOrder());
  }

  @Test
  void aQueueOfThreeWithMaxActiveOneRunsThemOneAfterAnother() {
    start();
    createQueue("one-at-a-time", 1);
    List<String> names = applyRuns("q", 3, "one-at-a-time");

    harness.awaitState("q-1", "PENDING");
    Run second = harness.awaitRun("q-2", run -> run.getStatus() != null && run.getStatus()
        .condition(RunConditions.SUBMITTED).map(c -> RunConditions.REASON_QUEUED.equals(c.getReason())
            && c.getMessage().equals("position 1 of 2 in queue one-at-a-time, 1 of 1 active")).orElse(false));
    assertThat(second.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .as("what kubectl get shows in its Reason column").isEqualTo(RunConditions.REASON_QUEUED);
    harness.awaitRun("q-3", run -> run.getStatus() != null && run.getStatus().condition(RunConditions.SUBMITTED)
        .map(c -> c.getMessage().equals("position 2 of 2 in queue one-at-a-time, 1 of 1 active")).orElse(false));
    await().atMost(Duration.ofSeconds(30)).until(() -> queue("one-at-a-time").getStatus() != null
        && queue("one-at-a-time").getStatus().getActive() == 1 && queue("one-at-a-time").getStatus().getWaiting() == 2);

    driveToTheEnd(3, 1, 0);

    names.forEach(name -> harness.awaitState(name, "SUCCEEDED"));
    assertFirstInFirstOut(names);
    assertThat(mostActiveAtOnce()).isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(3);
    assertThat(harness.eventReasons("q-2")).contains(RunConditions.REASON_QUEUED, RunConditions.REASON_ADMITTED,
        "Submitted");
    assertThat(harness.eventReasons("q-1")).contains(RunConditions.REASON_ADMITTED).doesNotContain(
        RunConditions.REASON_QUEUED);
    await().atMost(Duration.ofSeconds(30)).until(() -> queue("one-at-a-time").getStatus().getAdmitted().isEmpty());
  }

  @Test
  void anOperatorRestartedInTheMiddleOfAQueueLosesNoPlaceAndDoublesNone() {
    start();
    createQueue("restarted", 1);
    List<String> names = applyRuns("r", 3, "restarted");
    harness.awaitState("r-1", "PENDING");
    harness.awaitRun("r-3", run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED).map(c -> RunConditions.REASON_QUEUED.equals(c.getReason()))
            .orElse(false));

    harness.stopOperator();
    // While no operator runs, the active run finishes in KFP.
    harness.clock.advance(OperatorHarness.TIMING.pending().plus(OperatorHarness.TIMING.running()));
    harness.startOperator();

    harness.awaitState("r-1", "SUCCEEDED");
    driveToTheEnd(3, 1, 1);
    names.forEach(name -> harness.awaitState(name, "SUCCEEDED"));
    assertFirstInFirstOut(names);
    assertThat(mostActiveAtOnce()).isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(3);
  }

  void awaitReason(String name, String reason) {
    harness.awaitRun(name, run -> run.getStatus() != null && run.getStatus().condition(RunConditions.SUBMITTED)
        .map(c -> reason.equals(c.getReason())).orElse(false));
  }

  @Test
  void aRunNamingAMissingQueueWaitsUntilTheQueueIsCreated() {
    start();
    harness.applyVersionRefRun("early", pipeline, "queueName: later");

    Run waiting = harness.awaitRun("early", run -> run.getStatus() != null && run.getStatus()
        .condition(RunConditions.SUBMITTED).map(c -> RunConditions.REASON_QUEUE_NOT_FOUND.equals(c.getReason()))
        .orElse(false));
    assertThat(waiting.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getMessage())
        .contains("RunQueue later does not exist");
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();

    createQueue("later", 1);

    harness.awaitState("early", "PENDING");
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }

  @Test
  void aSuspendedRunInAQueueTakesNoSlot() {
    start();
    createQueue("with-held", 1);
    harness.applyVersionRefRun("held", pipeline, "queueName: with-held\nsuspend: true");
    harness.applyVersionRefRun("next", pipeline, "queueName: with-held");

    harness.awaitState("next", "PENDING");
    assertThat(harness.get("held").getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_SUSPENDED);
    harness.edit("held", run -> run.getSpec().setSuspend(false));
    harness.awaitRun("held", run -> run.getStatus().condition(RunConditions.SUBMITTED)
        .map(c -> RunConditions.REASON_QUEUED.equals(c.getReason())).orElse(false));

    harness.clock.advance(OperatorHarness.TIMING.pending().plus(OperatorHarness.TIMING.running()));

    harness.awaitState("held", "PENDING");
    assertThat(mostActiveAtOnce()).isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(2);
    assertThat(new ArrayList<>(createdInKfp().keySet())).containsExactlyInAnyOrder("next", "held");
  }
}
