package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.OperatorHarness.NAMESPACE;
import static dev.kfp.operator.reconciler.OperatorHarness.TIMING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.tiers.RealApiTier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator's start costs KFP's server, on the real kube-apiserver and the simulator, under the bulk status
 * sync: a finished Run whose status records its KFP run in full is not read at start (no GET of each of them,
 * each answer carrying the whole pipeline spec); a change made in KFP while the operator was stopped reaches the
 * Run through the resync's lists instead, and a command given meanwhile is carried out at start, with its read.
 */
@RealApiTier
class RealServerStartupReadsTest {

  /** Long enough for the start-up reconciles to be over before the first resync lists anything. */
  private static final Duration RESYNC = Duration.ofSeconds(8);
  private static final int FINISHED_RUNS = 200;

  private OperatorHarness harness;
  private PipelineVersion pipeline;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(OperatorHarness.Backend.REAL, RESYNC,
        b -> b.outcomeRule(OutcomeRule.failWhenNameContains("fail")));
    pipeline = harness.registerPlainPipeline();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private List<Run> runs() {
    return harness.k8s().resources(Run.class).inNamespace(NAMESPACE).list().getItems();
  }

  /** Applies the Runs and waits until each shows its KFP run finished, as the operator recorded it. */
  private Map<String, Run> finishedRuns(List<String> names) {
    names.forEach(name -> harness.applyVersionRefRun(name, pipeline));
    await("every Run submitted").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
        .until(() -> runs().stream().filter(run -> run.getStatus() != null && run.getStatus().getRunId() != null)
            .count() == names.size());
    harness.clock().advance(TIMING.pending().plus(TIMING.running()));
    await("every Run finished").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
        .until(() -> runs().stream().filter(run -> run.getStatus() != null
            && ("SUCCEEDED".equals(run.getStatus().getState()) || "FAILED".equals(run.getStatus().getState()))
            && run.getStatus().isTrue(RunConditions.SYNCED)).count() == names.size());
    return runs().stream().collect(Collectors.toMap(run -> run.getMetadata().getName(), Function.identity()));
  }

  /** Stops the operator, lets {@code meanwhile} happen, and starts it again with the KFP calls counted afresh. */
  private Map<String, Integer> restart(Runnable meanwhile) {
    harness.stopOperator();
    meanwhile.run();
    Map<String, Integer> before = runs().stream().collect(Collectors.toMap(run -> run.getMetadata().getName(),
        run -> harness.reconciles(run.getMetadata().getName())));
    harness.kfp().calls().reset();
    harness.startOperator();
    return before;
  }

  /** Waits until the started operator has reconciled every Run once. */
  private void awaitEveryRunReconciled(Map<String, Integer> before) {
    await("every Run reconciled once after the start").atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> before.entrySet().stream().allMatch(e -> harness.reconciles(e.getKey()) > e.getValue()));
  }

  private static List<String> conditions(Run run) {
    return run.getStatus().getConditions().stream()
        .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason()).sorted().toList();
  }

  @Test
  void anOperatorStartedOverFinishedRunsDoesNotReadThem() {
    List<String> names = IntStream.range(0, FINISHED_RUNS).mapToObj(i -> "done-%03d".formatted(i)).toList();
    Map<String, Run> finished = finishedRuns(names);

    Map<String, Integer> before = restart(() -> { });
    awaitEveryRunReconciled(before);

    assertThat(harness.kfp().calls().count(Endpoint.GET_RUN)).as("GetRun calls of the start-up reconciles")
        .isZero();
    assertThat(runs()).hasSize(FINISHED_RUNS).allSatisfy(run -> {
      Run was = finished.get(run.getMetadata().getName());
      assertThat(conditions(run)).isEqualTo(conditions(was));
      assertThat(run.getStatus().getState()).isEqualTo("SUCCEEDED");
      assertThat(run.getStatus().getObservedGeneration()).isEqualTo(run.getMetadata().getGeneration());
    });
  }

  @Test
  void changesMadeInKfpWhileTheOperatorWasStoppedShowAfterTheResync() {
    Map<String, Run> finished = finishedRuns(List.of("fail-retried", "archived", "deleted", "untouched"));
    Map<String, Integer> before = restart(() -> {
      harness.client().retryRun(finished.get("fail-retried").getStatus().getRunId());
      harness.client().archiveRun(finished.get("archived").getStatus().getRunId());
      harness.client().deleteRun(finished.get("deleted").getStatus().getRunId());
    });
    awaitEveryRunReconciled(before);
    assertThat(harness.kfp().calls().count(Endpoint.GET_RUN)).as("GetRun calls of the start-up reconciles")
        .isZero();
    assertThat(harness.get("fail-retried").getStatus().getState()).as("not seen before the resync")
        .isEqualTo("FAILED");

    harness.awaitRun("fail-retried", run -> !"FAILED".equals(run.getStatus().getState()));
    harness.awaitRun("archived", run -> "ARCHIVED".equals(run.getStatus().getStorageState()));
    Run deleted = harness.awaitRun("deleted", run -> run.getStatus().condition(RunConditions.SYNCED)
        .map(c -> RunConditions.REASON_RUN_DELETED.equals(c.getReason())).orElse(false));
    assertThat(deleted.getStatus().getState()).as("last known state kept").isEqualTo("SUCCEEDED");
    assertThat(harness.kfp().calls().count(Endpoint.GET_RUN)).as("only the deleted run's, to confirm it")
        .isEqualTo(1);
    assertThat(conditions(harness.get("untouched"))).isEqualTo(conditions(finished.get("untouched")));
  }

  @Test
  void aRetryAskedForWhileTheOperatorWasStoppedIsCarriedOutAtStart() {
    Map<String, Run> finished = finishedRuns(List.of("fail-then-retry"));
    assertThat(finished.get("fail-then-retry").getStatus().getState()).isEqualTo("FAILED");

    restart(() -> harness.annotate("fail-then-retry", Run.RETRY_ANNOTATION, "after-restart"));

    Run retried = harness.awaitRun("fail-then-retry", run -> "after-restart".equals(run.getStatus().getLastRetry())
        && !"FAILED".equals(run.getStatus().getState()));
    assertThat(retried.getStatus().isTrue(RunConditions.RETRIED)).isTrue();
    assertThat(harness.kfp().calls().count(Endpoint.RETRY_RUN)).isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.GET_RUN)).as("the command reads the run").isPositive();
  }
}
