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
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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

  /**
   * Runs whose create KFP refuses for good (a parameter the pipeline does not declare: 400), oldest in a queue of
   * one, with two good Runs behind them. Each refused Run is sent to KFP once, keeps its refusal, and gives its
   * slot back; the good Runs go one after the other. Queue changes no longer trigger the refused Runs, so two
   * annotations (an edit that is not of the spec) make the operator look at each of them again before the creates
   * are counted. Before the fix the next reconcile took a refused Run through the gate again, which wrote
   * {@code Queued} over its refusal and sent the create again: the cluster tier saw 45 claims in 30 s and
   * "2 active" in a queue of one.
   */
  @Test
  void runsKfpRefusedForGoodLeaveTheQueueAndAreNotSentAgain() {
    start();
    List<Integer> activeSeen = new CopyOnWriteArrayList<>();
    Watch watch = harness.k8s().resources(RunQueue.class).inNamespace(OperatorHarness.NAMESPACE)
        .watch(new Watcher<>() {
          @Override
          public void eventReceived(Action action, RunQueue queue) {
            if (queue.getStatus() != null) {
              activeSeen.add(queue.getStatus().getActive());
              activeSeen.add(queue.getStatus().getAdmitted().size());
            }
          }

          @Override
          public void onClose(WatcherException cause) {
            // the test closes the watch itself once the queue ran to its end
          }
        });
    createQueue("one-at-a-time", 1);
    List<String> refused = IntStream.rangeClosed(1, 3).mapToObj(i -> "bad-" + i).toList();
    refused.forEach(name -> harness.applyVersionRefRun(name, pipeline,
        "queueName: one-at-a-time\nparameters: {param2: x}"));
    List<String> good = applyRuns("q", 2, "one-at-a-time");

    harness.awaitState("q-1", "PENDING");
    driveToTheEnd(2, 1, 0);
    good.forEach(name -> harness.awaitState(name, "SUCCEEDED"));
    Map<String, Integer> reconciled = refused.stream()
        .collect(Collectors.toMap(name -> name, harness::reconciles));
    for (String touch : List.of("1", "2")) {
      refused.forEach(name -> harness.annotate(name, "example.com/touched", touch));
    }
    await("two more reconciles of each refused Run").atMost(Duration.ofSeconds(30))
        .until(() -> refused.stream().allMatch(name -> harness.reconciles(name) >= reconciled.get(name) + 2));
    watch.close();

    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).as("creates: one per refused Run, one per good")
        .isEqualTo(5);
    refused.forEach(name -> {
      Run run = harness.get(name);
      assertThat(run.getStatus().condition(RunConditions.SUBMITTED).orElseThrow())
          .as(name + " keeps its refusal").satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo(RunConditions.REASON_KFP_ERROR);
            assertThat(c.getMessage()).contains("param2");
          });
      assertThat(run.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getStatus()).isEqualTo("False");
      assertThat(run.getStatus().getClaim().attempt()).as(name + "'s claimed creates").isEqualTo(1);
    });
    assertFirstInFirstOut(good);
    assertThat(mostActiveAtOnce()).isEqualTo(1);
    assertThat(activeSeen).as("active count and admitted list of every version of the queue").isNotEmpty()
        .allSatisfy(active -> assertThat(active).isLessThanOrEqualTo(1));
    await().atMost(Duration.ofSeconds(30)).until(() -> queue("one-at-a-time").getStatus().getActive() == 0
        && queue("one-at-a-time").getStatus().getWaiting() == 0);
  }

  /**
   * A Run refused for now (an experiment KFP does not know: 404, which may be put right in KFP) alone in a queue
   * is asked again once per resync interval, as without a queue. Each try takes the free slot and gives it back;
   * before the fix that change of the queue triggered the Run again at once: about 25 KFP calls a second and
   * as many queue writes.
   */
  @Test
  void aRunRefusedForNowIsAskedAgainOncePerResyncIntervalNotAtEachQueueChange() {
    start();
    createQueue("one-at-a-time", 1);
    harness.applyVersionRefRun("unknown-experiment", pipeline,
        "queueName: one-at-a-time\nexperimentId: no-such-experiment");
    awaitReason("unknown-experiment", RunConditions.REASON_KFP_ERROR);
    long firstCall = System.nanoTime();
    long callsBefore = harness.kfp().calls().total();
    int reconcilesBefore = harness.reconciles("unknown-experiment");
    Duration resync = OperatorHarness.RESYNC;
    Duration watched = resync.multipliedBy(3);

    await("KFP calls since the refusal: at most one per resync interval begun").during(watched)
        .atMost(watched.plusSeconds(30)).until(() -> harness.kfp().calls().total()
        - callsBefore <= 1 + (System.nanoTime() - firstCall) / resync.toNanos());

    long calls = harness.kfp().calls().total() - callsBefore;
    System.out.printf("refused for now in a queue (%s): %d KFP calls and %d reconciles in %.1f s (resync %d s)%n",
        backend(), calls, harness.reconciles("unknown-experiment") - reconcilesBefore,
        (System.nanoTime() - firstCall) / 1e9, resync.toSeconds());
    assertThat(calls).as("asked again at the resync").isPositive();
    Run run = harness.get("unknown-experiment");
    assertThat(run.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getStatus()).isEqualTo("Unknown");
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
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
