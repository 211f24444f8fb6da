package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Experiment;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What KFP refuses for good is not asked again in a loop (docs/operating/reliability.md): a refused archive or unarchive
 * is asked at most once per resync interval, by the reconciler alone (the status sync does not re-trigger it),
 * with one condition and one event saying what to change. In both sync modes.
 */
@MockApiTier
class PermanentRefusalTest {

  /** Long enough for several resync intervals of the harness (2 s). */
  private static final Duration WATCHED = Duration.ofSeconds(12);
  private OperatorHarness harness;

  @AfterEach
  void stop() {
    harness.close();
  }

  @ParameterizedTest(name = "per-run sync: {0}")
  @ValueSource(booleans = {false, true})
  void anArchiveKfpAnswers400IsAskedAtMostOncePerResyncInterval(boolean pollsEachRun) {
    harness = OperatorHarness.start(pollsEachRun, simulator -> { });
    PipelineVersion pipeline = harness.registerPlainPipeline();
    harness.kfp.faults().inject(Fault.status(400).on(Endpoint.ARCHIVE_RUN));
    harness.apply(run("archive-refused", pipeline, null, true));

    watchRefusal("archive-refused", Endpoint.ARCHIVE_RUN, "Remove spec.archived, or set it to false",
        pollsEachRun);
  }

  @ParameterizedTest(name = "per-run sync: {0}")
  @ValueSource(booleans = {false, true})
  void anUnarchiveInAnArchivedExperimentIsAskedAtMostOncePerResyncInterval(boolean pollsEachRun) {
    harness = OperatorHarness.start(pollsEachRun, simulator -> { });
    PipelineVersion pipeline = harness.registerPlainPipeline();
    Experiment experiment = harness.kfp.registerExperiment("archived later", null);
    harness.apply(run("unarchive-refused", pipeline, experiment.experimentId(), false));
    harness.awaitState("unarchive-refused", "PENDING");

    harness.kfp.archiveExperiment(experiment.experimentId());

    watchRefusal("unarchive-refused", Endpoint.UNARCHIVE_RUN, "unarchive the experiment in KFP", pollsEachRun);
  }

  private void watchRefusal(String name, Endpoint endpoint, String advice, boolean pollsEachRun) {
    Run refused = harness.awaitRun(name, run -> run.getStatus() != null && run.getStatus()
        .condition(RunConditions.SYNCED).map(c -> RunConditions.REASON_COMMAND_REFUSED.equals(c.getReason()))
        .orElse(false));
    long firstCall = System.nanoTime();
    long callsBefore = harness.kfp.calls().count(endpoint);
    Duration resync = OperatorHarness.RESYNC;

    // Throughout, the calls since the first refusal never outnumber the resync intervals begun since.
    await().during(WATCHED).atMost(WATCHED.plusSeconds(30)).until(() -> harness.kfp.calls().count(endpoint)
        - callsBefore <= 1 + (System.nanoTime() - firstCall) / resync.toNanos());

    long calls = harness.kfp.calls().count(endpoint) - callsBefore + 1;
    double seconds = (System.nanoTime() - firstCall) / 1e9;
    long events = harness.events(name).stream()
        .filter(e -> RunConditions.REASON_COMMAND_REFUSED.equals(e.getReason())).count();
    Condition synced = refused.getStatus().condition(RunConditions.SYNCED).orElseThrow();
    System.out.printf("permanent refusal (%s sync): %s refused, %d calls in %.1f s = %.2f per resync interval "
            + "of %d s; %d event(s); message: %s%n", pollsEachRun ? "per-run" : "bulk", endpoint, calls, seconds,
        calls / (seconds / resync.toSeconds()), resync.toSeconds(), events, synced.getMessage());
    assertThat(calls / (seconds / resync.toSeconds())).as("calls per resync interval").isLessThanOrEqualTo(1.0);
    assertThat(events).as("events about the refusal").isEqualTo(1);
    assertThat(synced.getStatus()).isEqualTo("False");
    assertThat(synced.getMessage()).contains(advice, "every " + resync.toSeconds() + " s or longer");
  }

  private static Run run(String name, PipelineVersion pipeline, String experimentId, boolean archived) {
    Run run = io.fabric8.kubernetes.client.utils.Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
          archived: %s
        """.formatted(name, pipeline.pipelineId(), archived), Run.class);
    run.getSpec().setExperimentId(experimentId);
    return run;
  }
}
