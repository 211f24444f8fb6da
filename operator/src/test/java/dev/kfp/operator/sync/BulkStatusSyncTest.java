package dev.kfp.operator.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.reconciler.OperatorHarness;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.Timing;
import dev.kfp.operator.tiers.MockApiTier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bulk status sync against a real operator, the embedded Kubernetes API and the simulator on a manual clock. */
@MockApiTier
class BulkStatusSyncTest {

  private static final Timing TIMING = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(2));

  private OperatorHarness harness;
  private PipelineVersion pipeline;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(false, simulator -> simulator.timing(TIMING));
    pipeline = harness.registerPlainPipeline();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private void apply(String name) {
    harness.applyVersionRefRun(name, pipeline);
  }

  private BulkStatusPoller poller() {
    return harness.operator().statusSync().orElseThrow();
  }

  /** Waits until the sync has completed this many more ticks. */
  private void awaitTicks(int ticks) {
    long target = poller().ticks() + ticks;
    await().atMost(Duration.ofSeconds(30)).until(() -> poller().ticks() >= target);
  }

  private long calls(Endpoint endpoint) {
    return harness.kfp().calls().count(endpoint);
  }

  @Test
  void onlyRunsWhoseStateChangedAreReconciledAndEachPollIsOneList() {
    List<String> names = IntStream.rangeClosed(1, 20).mapToObj(i -> "run-" + i).toList();
    names.forEach(this::apply);
    names.forEach(name -> harness.awaitState(name, "PENDING"));
    harness.clock().advance(TIMING.pending());
    Map<String, String> runIds = names.stream().collect(Collectors.toMap(name -> name,
        name -> harness.awaitState(name, "RUNNING").getStatus().getRunId()));
    awaitTicks(3);
    Map<String, Integer> reconcilesBefore = names.stream()
        .collect(Collectors.toMap(name -> name, harness::reconciles));
    long getsBefore = calls(Endpoint.GET_RUN);
    long listsBefore = calls(Endpoint.LIST_RUNS);
    long pollerListsBefore = poller().lists();
    long ticksBefore = poller().ticks();

    List<String> changed = List.of("run-3", "run-11", "run-17");
    changed.forEach(name -> harness.client().terminateRun(runIds.get(name)));
    changed.forEach(name -> harness.awaitState(name, "CANCELING"));
    awaitTicks(4);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls(Endpoint.LIST_RUNS) - listsBefore)
        .as("list calls the simulator served").isEqualTo(poller().lists() - pollerListsBefore));
    long ticks = poller().ticks() - ticksBefore + 1;
    assertThat(poller().lists() - pollerListsBefore)
        .as("per tick one list per state the statuses show (RUNNING, CANCELING), on the resync two more")
        .isPositive().isLessThanOrEqualTo(2 * ticks + 2 * (ticks / 40 + 1));
    assertThat(calls(Endpoint.GET_RUN) - getsBefore).as("the reconciles used the runs the list read").isZero();
    assertThat(calls(Endpoint.TERMINATE_RUN)).isEqualTo(3);
    for (String name : names) {
      int more = harness.reconciles(name) - reconcilesBefore.get(name);
      if (changed.contains(name)) {
        assertThat(more).as("reconciles of changed %s", name).isPositive();
      } else {
        assertThat(more).as("reconciles of unchanged %s", name).isZero();
        assertThat(harness.get(name).getStatus().getState()).isEqualTo("RUNNING");
      }
    }
  }

  @Test
  void aFinishedRunsFinalStateArrivesWithTheListWithoutAGet() {
    apply("train");
    harness.awaitState("train", "PENDING");
    harness.clock().advance(TIMING.pending());
    harness.awaitState("train", "RUNNING");
    harness.clock().advance(TIMING.running());

    Run done = harness.awaitState("train", "SUCCEEDED");

    assertThat(done.getStatus().isTrue(RunConditions.SUCCEEDED)).isTrue();
    assertThat(done.getStatus().getFinishedAt()).isNotNull();
    assertThat(done.getStatus().getStateHistory()).extracting(h -> h.state())
        .containsExactly("PENDING", "RUNNING", "SUCCEEDED");
    assertThat(calls(Endpoint.GET_RUN)).as("the create answer and the lists said everything").isZero();
  }

  @Test
  void aRunLeftUnsyncedIsLookedAtAgainOnTheResyncThoughItsStateDidNotChange() {
    apply("left-unsynced");
    harness.awaitState("left-unsynced", "PENDING");
    // As a stopped replica's late write, or a retry lost in a leader change, would leave it.
    harness.k8s().resources(Run.class).inNamespace(OperatorHarness.NAMESPACE).withName("left-unsynced")
        .editStatus(run -> {
          run.getStatus().putCondition(new io.fabric8.kubernetes.api.model.ConditionBuilder()
              .withType(RunConditions.SYNCED).withStatus("False").withReason(RunConditions.REASON_KFP_UNREACHABLE)
              .withMessage("no response from KFP").build());
          return run;
        });

    Run healed = harness.awaitRun("left-unsynced", run -> run.getStatus().isTrue(RunConditions.SYNCED));

    assertThat(healed.getStatus().getState()).isEqualTo("PENDING");
  }

  @Test
  void aRunThatLeavesTheListIsReadOnceAndReported() {
    apply("gone");
    String runId = harness.awaitState("gone", "PENDING").getStatus().getRunId();
    harness.client().deleteRun(runId);

    Run reported = harness.awaitRun("gone", run -> run.getStatus().condition(RunConditions.SYNCED)
        .map(c -> RunConditions.REASON_RUN_DELETED.equals(c.getReason())).orElse(false));
    // past the resync (2 s in the harness), where a settled run is listed again
    awaitTicks(30);

    assertThat(reported.getStatus().getState()).as("the last known state is kept").isEqualTo("PENDING");
    assertThat(calls(Endpoint.GET_RUN)).as("one GET found the run gone; later lists did not ask again")
        .isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.LIST_RUNS)).isGreaterThan(1);
  }
}
