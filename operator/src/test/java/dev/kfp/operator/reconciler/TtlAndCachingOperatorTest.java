package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.api.DeletionPolicy;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.reconciler.OperatorHarness.Backend;
import dev.kfp.operator.reconciler.cleanup.GitOpsTracking;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.RunSnapshot;
import dev.kfp.operator.simulator.StorageState;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code spec.ttlSecondsAfterFinished}, the operator's default for it, and {@code spec.caching}, end to end: a
 * JOSDK operator (bulk sync) on the Kubernetes API of each subclass, against the KFP simulator, with the KFP
 * calls counted.
 */
abstract class TtlAndCachingOperatorTest {

  /** How long a plain run takes in the simulator, from its create to SUCCEEDED. */
  private static final Duration RUN_TIME = OperatorHarness.TIMING.pending().plus(OperatorHarness.TIMING.running());

  OperatorHarness harness;

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract Backend backend();

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @ParameterizedTest(name = "deletion policy {0}")
  @EnumSource(DeletionPolicy.class)
  void aFinishedRunIsDeletedAfterItsTtlAndItsDeletionPolicyAppliesInKfp(DeletionPolicy policy) {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
    PipelineVersion pipeline = harness.registerPlainPipeline();
    String runId = submit("short-lived", pipeline, "ttlSecondsAfterFinished: 2\ndeletionPolicy: " + policy);

    Instant finished = finish("short-lived");
    harness.awaitGone("short-lived");

    assertThat(harness.events("short-lived")).filteredOn(e -> RunConditions.REASON_EXPIRED.equals(e.getReason()))
        .singleElement().satisfies(e -> assertThat(Instant.parse(e.getFirstTimestamp()))
            .as("not before the TTL (event times are whole seconds)")
            .isAfterOrEqualTo(finished.plusSeconds(2).minusSeconds(1)));
    var kfp = harness.kfp();
    switch (policy) {
      case Archive -> {
        assertThat(kfp.run(runId).map(RunSnapshot::storageState)).contains(StorageState.ARCHIVED);
        assertThat(kfp.calls().count(Endpoint.ARCHIVE_RUN)).isEqualTo(1);
        assertThat(kfp.calls().count(Endpoint.DELETE_RUN)).isZero();
      }
      case Delete -> {
        assertThat(kfp.run(runId)).isEmpty();
        assertThat(kfp.calls().count(Endpoint.DELETE_RUN)).isEqualTo(1);
        assertThat(kfp.calls().count(Endpoint.ARCHIVE_RUN)).isZero();
      }
      case Orphan -> {
        assertThat(kfp.run(runId).map(RunSnapshot::storageState)).contains(StorageState.AVAILABLE);
        assertThat(kfp.calls().count(Endpoint.ARCHIVE_RUN) + kfp.calls().count(Endpoint.DELETE_RUN)).isZero();
      }
    }
    assertThat(kfp.calls().count(Endpoint.TERMINATE_RUN)).as("it had finished").isZero();
    assertThat(kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }

  @Test
  void theOperatorsDefaultTtlDeletesRunsThatSetNoneOfTheirOwn() {
    harness = OperatorHarness.startWithDefaultTtl(backend(), 1);
    PipelineVersion pipeline = harness.registerPlainPipeline();
    String byDefault = submit("by-default", pipeline, "");
    String ownTtl = submit("own-ttl", pipeline, "ttlSecondsAfterFinished: 3600");

    finish("own-ttl");
    harness.awaitGone("by-default");

    Run kept = harness.awaitState("own-ttl", "SUCCEEDED");
    assertThat(kept.getMetadata().getDeletionTimestamp()).isNull();
    assertThat(harness.kfp().run(byDefault).map(RunSnapshot::storageState)).contains(StorageState.ARCHIVED);
    assertThat(harness.kfp().run(ownTtl).map(RunSnapshot::storageState)).contains(StorageState.AVAILABLE);
    assertThat(harness.kfp().calls().count(Endpoint.ARCHIVE_RUN)).isEqualTo(1);
  }

  @Test
  void aRunGitOpsTracksIsKeptAndOnlyItsKfpRunIsCleanedUp() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
    PipelineVersion pipeline = harness.registerPlainPipeline();
    String argoRunId = submit("argo-tracked", pipeline, "ttlSecondsAfterFinished: 0", Map.of(),
        Map.of(GitOpsTracking.ARGO_CD_TRACKING_ID, "pipelines:pipelines.kfp.dev/Run:team-a/argo-tracked"));
    String fluxRunId = submit("flux-tracked", pipeline, "ttlSecondsAfterFinished: 0\ndeletionPolicy: Delete",
        Map.of(GitOpsTracking.FLUX_KUSTOMIZATION_LABEL, "pipelines",
            "kustomize.toolkit.fluxcd.io/namespace", "flux-system"), Map.of());

    finish("argo-tracked");
    Run argo = harness.awaitRun("argo-tracked", run -> run.getStatus().isTrue(RunConditions.CLEANED));
    Run flux = harness.awaitRun("flux-tracked", run -> run.getStatus().isTrue(RunConditions.CLEANED));

    assertThat(harness.kfp().run(argoRunId).map(RunSnapshot::storageState)).contains(StorageState.ARCHIVED);
    assertThat(harness.kfp().run(fluxRunId)).isEmpty();
    assertThat(argo.getStatus().condition(RunConditions.CLEANED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_KEPT_FOR_GITOPS);
    assertThat(argo.getStatus().getStorageState()).isEqualTo("ARCHIVED");
    assertThat(harness.eventReasons("flux-tracked")).contains("Deleted", RunConditions.REASON_KEPT_FOR_GITOPS);
    long archives = harness.kfp().calls().count(Endpoint.ARCHIVE_RUN);
    long deletes = harness.kfp().calls().count(Endpoint.DELETE_RUN);
    int fluxReconciles = harness.reconciles("flux-tracked");

    // Two resync intervals: the bulk sync's resync would find the deleted run missing, were it still followed.
    // Then the operator must have looked at both Runs again, so that what follows is what it decided.
    await().pollDelay(OperatorHarness.RESYNC.multipliedBy(2).plusSeconds(1)).atMost(Duration.ofSeconds(10))
        .until(() -> true);
    harness.awaitReconciled(harness.touch("argo-tracked"));
    harness.awaitReconciled(harness.touch("flux-tracked"));

    for (String name : new String[] {"argo-tracked", "flux-tracked"}) {
      Run run = harness.get(name);
      assertThat(run.getMetadata().getDeletionTimestamp()).as(name + " is kept").isNull();
      assertThat(run.getStatus().getState()).isEqualTo("SUCCEEDED");
      Phases.assertCondition(run, RunConditions.SYNCED, "True", RunConditions.REASON_OK);
      Phases.assertCondition(run, RunConditions.SUCCEEDED, "True", "Succeeded");
      assertThat(harness.failures(name)).isEmpty();
    }
    assertThat(harness.kfp().calls().count(Endpoint.ARCHIVE_RUN)).isEqualTo(archives).isEqualTo(1);
    assertThat(harness.kfp().calls().count(Endpoint.DELETE_RUN)).isEqualTo(deletes).isEqualTo(1);
    assertThat(harness.reconciles("flux-tracked")).as("no loop").isLessThanOrEqualTo(fluxReconciles + 1);
    assertThat(flux.getStatus().getRunId()).isEqualTo(fluxRunId);
  }

  @Test
  void cachingDisabledReachesKfpOnEveryTaskOfTheInlineSpec() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: uncached, namespace: %s}
        spec:
          caching: Disabled
          pipeline:
            spec:
        %s""".formatted(OperatorHarness.NAMESPACE, CompiledPipelines.yaml("pipeline_with_condition").indent(6)));

    String runId = harness.awaitState("uncached", "PENDING").getStatus().getRunId();

    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
    Map<String, Boolean> received = PipelineCachingTest.caching(harness.client().getRun(runId).pipelineSpec());
    assertThat(received.keySet()).anyMatch(task -> task.startsWith("components."));
    assertThat(received.values()).as("what KFP stored for the run").containsOnly(false);
  }

  /** Applies a Run of the pipeline with more spec lines and waits until its KFP run exists; its id. */
  String submit(String name, PipelineVersion pipeline, String extraSpec) {
    return submit(name, pipeline, extraSpec, Map.of(), Map.of());
  }

  String submit(String name, PipelineVersion pipeline, String extraSpec, Map<String, String> labels,
      Map<String, String> annotations) {
    // The simulator's clock, which stamps finished_at, is put where the operator's will be when the run ends.
    if (harness.kfp().runs().isEmpty()) {
      harness.clock.set(Instant.now().minus(RUN_TIME));
    }
    Run run = io.fabric8.kubernetes.client.utils.Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: %s}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
        %s""".formatted(name, OperatorHarness.NAMESPACE, pipeline.pipelineId(), extraSpec.indent(2)), Run.class);
    run.getMetadata().setLabels(labels);
    run.getMetadata().setAnnotations(annotations);
    harness.apply(run);
    return harness.awaitState(name, "PENDING").getStatus().getRunId();
  }

  /** Moves the simulator's runs to their end and waits until the Run shows it; KFP's finished_at. */
  Instant finish(String name) {
    harness.clock.advance(RUN_TIME);
    Run done = harness.awaitRun(name, run -> run.getStatus().getFinishedAt() != null);
    return Instant.parse(done.getStatus().getFinishedAt());
  }
}
