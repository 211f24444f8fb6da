package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.tiers.KfpServerTier;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Queues, suspend, the active deadline, the TTL after finishing and caching, against KFP's own server. */
@KfpServerTier
class KfpServerSchedulingTest extends KfpServerSuite {

  /** On the mock: the bulk status sync, no TTL_SECONDS_AFTER_FINISHED. */
  @Override
  OperatorHarness startHarness() {
    return OperatorHarness.startOnKfpServer(OperatorHarness.Backend.MOCK, false, null);
  }


  private static boolean active(KfpRun run) {
    return run.state() == KfpRuntimeState.PENDING || run.state() == KfpRuntimeState.RUNNING;
  }

  @Test
  void aQueueOfOneRunsItsRunsOneAfterAnother() {
    String pipelineId = upload("plain", PLAIN_PIPELINE);
    harness.k8s().resource(Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: RunQueue
        metadata: {name: one-at-a-time, namespace: team-a}
        spec: {maxActive: 1}
        """, RunQueue.class)).create();
    List<String> names = IntStream.rangeClosed(1, 3).mapToObj(i -> "queued-" + i).toList();
    names.forEach(name -> harness.apply(versionRefRun(name, pipelineId, "queueName: one-at-a-time")));

    int mostActive = 0;
    for (int finished = 0; finished < names.size(); finished++) {
      int created = finished + 1;
      await().atMost(Duration.ofSeconds(30)).until(() -> kfpRuns().size() == created);
      // hold still a moment: an admission too many would show as one more run
      await().during(OperatorHarness.POLL.multipliedBy(3)).atMost(Duration.ofSeconds(5))
          .until(() -> kfpRuns().size() == created);
      List<KfpRun> activeRuns = kfpRuns().stream().filter(KfpServerSchedulingTest::active).toList();
      mostActive = Math.max(mostActive, activeRuns.size());
      assertThat(activeRuns).hasSize(1);
      report(activeRuns.get(0).runId(), "Running");
      report(activeRuns.get(0).runId(), "Succeeded");
    }

    for (String name : names) {
      harness.awaitState(name, "SUCCEEDED");
    }
    System.out.println("queue of one on KFP's server: " + names.size() + " Runs, " + kfpRuns().size()
        + " KFP runs, at most " + mostActive + " active at once");
    assertThat(kfpRuns()).hasSize(names.size());
  }

  @Test
  void aSuspendedRunReachesKfpOnlyOnceReleased() {
    String pipelineId = upload("plain", PLAIN_PIPELINE);
    harness.apply(versionRefRun("held", pipelineId, "suspend: true"));

    Run held = harness.awaitRun("held", run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED)
            .map(c -> RunConditions.REASON_SUSPENDED.equals(c.getReason())).orElse(false));
    assertThat(held.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_SUSPENDED);
    await().during(OperatorHarness.RESYNC).atMost(Duration.ofSeconds(10)).until(() -> kfpRuns().isEmpty());

    harness.edit("held", run -> run.getSpec().setSuspend(false));

    harness.awaitState("held", "PENDING");
    assertThat(kfpRuns()).hasSize(1);
  }

  @Test
  void aRunActivePastItsDeadlineIsTerminatedOnce() {
    String pipelineId = upload("plain", PLAIN_PIPELINE);
    harness.apply(versionRefRun("bounded", pipelineId, "activeDeadlineSeconds: 2"));
    String runId = runIdOf("bounded");
    report(runId, "Running");
    Instant created = kfpRun(runId).createdAt();

    Run over = await().atMost(Duration.ofSeconds(30)).until(() -> harness.get("bounded"),
        run -> Boolean.TRUE.equals(run.getStatus().getDeadlineExceeded()));
    assertThat(over.getStatus().condition(RunConditions.SUCCEEDED)).get().satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo(RunConditions.REASON_DEADLINE_EXCEEDED);
    });
    assertThat(kfpRun(runId).state()).as("KFP's terminate").isEqualTo(KfpRuntimeState.CANCELING);
    report(runId, "");
    report(runId, "Failed");

    Run ended = harness.awaitRun("bounded", run -> run.getStatus().getFinishedAt() != null);
    assertThat(ended.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_DEADLINE_EXCEEDED);
    assertThat(harness.events("bounded")).filteredOn(e -> RunConditions.REASON_DEADLINE_EXCEEDED.equals(e.getReason()))
        .singleElement().satisfies(e -> assertThat(Instant.parse(e.getFirstTimestamp()))
            .as("not before the deadline (event times are whole seconds)")
            .isAfterOrEqualTo(created.plusSeconds(2).minusSeconds(1)));
  }

  @Test
  void aFinishedRunIsDeletedAfterItsTtlWithItsKfpRun() {
    String pipelineId = upload("plain", PLAIN_PIPELINE);
    harness.apply(versionRefRun("short-lived", pipelineId, "ttlSecondsAfterFinished: 1\ndeletionPolicy: Delete"));
    String runId = runIdOf("short-lived");
    report(runId, "Running");
    report(runId, "Succeeded");

    harness.awaitGone("short-lived");

    assertThat(harness.events("short-lived")).extracting(e -> e.getReason()).contains(RunConditions.REASON_EXPIRED);
    KfpException gone = org.assertj.core.api.Assertions.catchThrowableOfType(KfpException.class,
        () -> kfpRun(runId));
    assertThat(gone).as("the KFP run was deleted").isNotNull();
    assertThat(gone.isNotFound()).isTrue();
  }

  @Test
  void cachingDisabledReachesKfpOnEveryTaskOfTheInlineSpec() {
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: uncached, namespace: team-a}
        spec:
          caching: Disabled
          pipeline:
            spec:
        %s""".formatted(CompiledPipelines.yaml("pipeline_with_condition").indent(6)));
    String runId = runIdOf("uncached");

    Map<String, Boolean> stored = PipelineCachingTest.caching(kfpRun(runId).pipelineSpec());
    assertThat(stored.keySet()).anyMatch(task -> task.startsWith("components."));
    assertThat(stored.values()).as("what KFP stored for the run").containsOnly(false);
  }
}
