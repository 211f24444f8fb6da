package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.OperatorHarness.NAMESPACE;
import static dev.kfp.operator.reconciler.OperatorHarness.POLL;
import static dev.kfp.operator.reconciler.OperatorHarness.TIMING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.RunSnapshot;
import dev.kfp.operator.simulator.RunState;
import dev.kfp.operator.simulator.StorageState;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole life of a Run, driven through a real operator and the simulator, with the bulk status sync, on the
 * Kubernetes API of each subclass ({@link MockApiRunLifecycleTest}, {@link RealServerRunLifecycleTest});
 * {@link PerRunLifecycleTest} runs the same on the mock with per-run polling.
 */
abstract class RunLifecycleTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private OperatorHarness harness;
  private PipelineVersion pipeline;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(backend(), pollsEachRun(),
        b -> b.outcomeRule(OutcomeRule.failWhenNameContains("fail")), access());
    // root inputs of every parameter type KFP knows: s, i, d, b, l, o
    pipeline = harness.kfp.registerPipeline("all-types", CompiledPipelines.yaml("all_types"));
  }

  /** False: the bulk status sync follows the runs. */
  boolean pollsEachRun() {
    return false;
  }

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract OperatorHarness.Backend backend();

  /** Who the operator is on the Kubernetes API; a subclass runs it under the chart's RBAC. */
  OperatorAccess access() {
    return OperatorAccess.ADMINISTRATOR;
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private String versionRefRun(String name, String extraSpec) {
    return """
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: team-a}
        spec:
          pipeline:
            versionRef: {pipelineId: %s}
          parameters: {s: text, i: 3, d: 0.01, b: false, l: [a, 1, {x: y}], o: {k: [v], n: null}}
        %s
        """.formatted(name, pipeline.pipelineId(), extraSpec.indent(2));
  }

  private void advance(Duration duration) {
    harness.clock.advance(duration);
  }

  private RunSnapshot onlyKfpRun() {
    assertThat(harness.kfp.runs()).hasSize(1);
    return harness.kfp.runs().get(0);
  }

  @Test
  void aRunFromAVersionReferenceFollowsItsKfpRunToSuccess() {
    harness.apply(versionRefRun("train", ""));

    Run pending = harness.awaitState("train", "PENDING");
    assertThat(pending.getStatus().getRunId()).isEqualTo(onlyKfpRun().runId());
    assertThat(pending.getStatus().isTrue(RunConditions.SUBMITTED)).isTrue();
    assertThat(pending.getStatus().condition(RunConditions.SUCCEEDED).map(Condition::getStatus)).hasValue("Unknown");
    assertThat(pending.getStatus().getRunUrl())
        .isEqualTo("https://kfp.example/pipeline/#/runs/details/" + onlyKfpRun().runId());

    advance(TIMING.pending());
    harness.awaitState("train", "RUNNING");
    advance(TIMING.running());
    Run done = harness.awaitState("train", "SUCCEEDED");

    Condition succeeded = done.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow();
    assertThat(succeeded.getStatus()).isEqualTo("True");
    assertThat(succeeded.getReason()).isEqualTo("Succeeded");
    assertThat(done.getStatus().isTrue(RunConditions.SYNCED)).isTrue();
    assertThat(done.getStatus().getFinishedAt()).isNotNull();
    assertThat(done.getStatus().getObservedGeneration()).isEqualTo(done.getMetadata().getGeneration());
    assertThat(done.getStatus().getStateHistory()).extracting(h -> h.state())
        .containsExactly("PENDING", "RUNNING", "SUCCEEDED");
    assertThat(harness.eventReasons("train")).contains("Submitted", "StateChanged");
    assertThat(onlyKfpRun().description()).endsWith("[kfp-run-operator team-a/train uid="
        + done.getMetadata().getUid() + "]");
  }

  @Test
  void parametersOfEveryJsonTypeArriveInKfpUnchanged() throws Exception {
    harness.apply(versionRefRun("typed", ""));
    harness.awaitState("typed", "PENDING");

    Map<String, JsonNode> sent = onlyKfpRun().parameters();
    Map<String, String> asJson = new java.util.TreeMap<>();
    sent.forEach((name, value) -> asJson.put(name, value.toString()));
    assertThat(asJson).containsExactlyInAnyOrderEntriesOf(Map.of(
        "s", "\"text\"", "i", "3", "d", "0.01", "b", "false",
        "l", "[\"a\",1,{\"x\":\"y\"}]", "o", "{\"k\":[\"v\"],\"n\":null}"));
  }

  @Test
  void aRunFromAnInlineCompiledPipelineIsSubmitted() throws Exception {
    String spec = CompiledPipelines.yaml("arguments_parameters");
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: inline, namespace: team-a}
        spec:
          displayName: inline pipeline
          pipeline:
            spec:
        %s
          parameters: {param2: world}
        """.formatted(spec.indent(6)));

    harness.awaitState("inline", "PENDING");
    assertThat(onlyKfpRun().displayName()).isEqualTo("inline pipeline");
    assertThat(onlyKfpRun().parameters()).containsOnlyKeys("param2");
  }

  @Test
  void aRunFromAPipelineKeptInAConfigMapIsSubmitted() throws Exception {
    String spec = CompiledPipelines.yaml("preprocess");
    harness.k8s().configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("preprocess").withNamespace(NAMESPACE).endMetadata()
        .addToData("pipeline.yaml", spec).build()).create();
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: from-config-map, namespace: team-a}
        spec:
          pipeline:
            specFrom: {configMapKeyRef: {name: preprocess, key: pipeline.yaml}}
          parameters:
            message: hello
            input_dict_parameter: {a: 1}
            input_list_parameter: [x, y]
        """);

    harness.awaitState("from-config-map", "PENDING");
    assertThat(onlyKfpRun().parameters()).containsOnlyKeys("message", "input_dict_parameter",
        "input_list_parameter");
  }

  @Test
  void aFailedRunReportsFailedWithAWarning() {
    harness.apply(versionRefRun("will-fail", ""));
    harness.awaitState("will-fail", "PENDING");
    advance(TIMING.pending());
    harness.awaitState("will-fail", "RUNNING");
    advance(TIMING.running());

    Run failed = harness.awaitState("will-fail", "FAILED");
    Condition succeeded = failed.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow();
    assertThat(succeeded.getStatus()).isEqualTo("False");
    assertThat(succeeded.getReason()).isEqualTo("Failed");
    assertThat(succeeded.getMessage()).contains("ended FAILED", "PENDING -> RUNNING -> FAILED");
    assertThat(harness.events("will-fail")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getMessage()).endsWith("RUNNING -> FAILED");
    });
  }

  @Test
  void theArchivedFlagArchivesAndUnarchives() {
    harness.apply(versionRefRun("archive-me", ""));
    harness.awaitState("archive-me", "PENDING");

    harness.edit("archive-me", run -> run.getSpec().setArchived(true));
    harness.awaitRun("archive-me", run -> "ARCHIVED".equals(run.getStatus().getStorageState()));
    assertThat(onlyKfpRun().storageState()).isEqualTo(StorageState.ARCHIVED);

    harness.edit("archive-me", run -> run.getSpec().setArchived(false));
    harness.awaitRun("archive-me", run -> "AVAILABLE".equals(run.getStatus().getStorageState()));
    assertThat(onlyKfpRun().storageState()).isEqualTo(StorageState.AVAILABLE);
    assertThat(harness.kfp.calls().count(Endpoint.ARCHIVE_RUN)).isEqualTo(1);
    assertThat(harness.kfp.calls().count(Endpoint.UNARCHIVE_RUN)).isEqualTo(1);
    assertThat(harness.eventReasons("archive-me")).contains("Archived", "Unarchived");
  }

  @Test
  void theTerminateAnnotationActsOnce() {
    harness.apply(versionRefRun("stop-me", ""));
    harness.awaitState("stop-me", "PENDING");
    advance(TIMING.pending());
    harness.awaitState("stop-me", "RUNNING");

    harness.annotate("stop-me", Run.TERMINATE_ANNOTATION, "true");
    harness.awaitRun("stop-me", run -> Boolean.TRUE.equals(run.getStatus().getTerminated()));
    harness.awaitState("stop-me", "CANCELING");
    advance(TIMING.canceling());
    Run stopped = harness.awaitState("stop-me", "FAILED");

    assertThat(stopped.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_TERMINATED);
    harness.annotate("stop-me", Run.TERMINATE_ANNOTATION, "yes, again");
    harness.awaitReconciled(harness.touch("stop-me"));
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
        .until(() -> harness.kfp.calls().count(Endpoint.TERMINATE_RUN) == 1);
    assertThat(harness.eventReasons("stop-me")).containsOnlyOnce("Terminated");
  }

  @Test
  void aRetryTokenActsOnce() {
    harness.kfp.setOutcomeRule(OutcomeRule.failWhenNameContains("fail").thenSucceedOnRetry());
    harness.apply(versionRefRun("fail-then-retry", ""));
    harness.awaitState("fail-then-retry", "PENDING");
    advance(TIMING.pending());
    harness.awaitState("fail-then-retry", "RUNNING");
    advance(TIMING.running());
    harness.awaitState("fail-then-retry", "FAILED");

    harness.annotate("fail-then-retry", Run.RETRY_ANNOTATION, "2026-11-29T10:00");
    harness.awaitState("fail-then-retry", "RUNNING");
    advance(TIMING.running());
    Run succeeded = harness.awaitState("fail-then-retry", "SUCCEEDED");

    assertThat(succeeded.getStatus().getLastRetry()).isEqualTo("2026-11-29T10:00");
    assertThat(succeeded.getStatus().isTrue(RunConditions.RETRIED)).isTrue();
    harness.awaitReconciled(harness.touch("fail-then-retry"));
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
        .until(() -> harness.kfp.calls().count(Endpoint.RETRY_RUN) == 1);
    assertThat(onlyKfpRun().attempt()).isEqualTo(2);
  }

  @Test
  void aRetryTokenForARunThatCannotBeRetriedIsRejected() {
    harness.apply(versionRefRun("busy", ""));
    harness.awaitState("busy", "PENDING");
    advance(TIMING.pending());
    harness.awaitState("busy", "RUNNING");

    harness.annotate("busy", Run.RETRY_ANNOTATION, "t1");
    Run rejected = harness.awaitRun("busy", run -> "t1".equals(run.getStatus().getLastRetry()));

    Condition retried = rejected.getStatus().condition(RunConditions.RETRIED).orElseThrow();
    assertThat(retried.getStatus()).isEqualTo("False");
    assertThat(retried.getReason()).isEqualTo(RunConditions.REASON_RETRY_REJECTED);
    assertThat(retried.getMessage()).contains("retry 't1' rejected", "RUNNING", "only FAILED runs");
    assertThat(harness.events("busy")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo(RunConditions.REASON_RETRY_REJECTED);
    });
    assertThat(harness.kfp.calls().count(Endpoint.RETRY_RUN)).isZero();
    advance(TIMING.running());
    harness.awaitState("busy", "SUCCEEDED");
    assertThat(harness.kfp.calls().count(Endpoint.RETRY_RUN)).as("a rejected token is not kept pending").isZero();
  }

  @Test
  void deletionWithTheDefaultPolicyTerminatesAndArchives() {
    harness.apply(versionRefRun("archive-on-delete", ""));
    harness.awaitState("archive-on-delete", "PENDING");
    advance(TIMING.pending());
    harness.awaitState("archive-on-delete", "RUNNING");

    harness.delete("archive-on-delete");
    harness.awaitGone("archive-on-delete");

    assertThat(onlyKfpRun().storageState()).isEqualTo(StorageState.ARCHIVED);
    assertThat(onlyKfpRun().state()).isEqualTo(RunState.CANCELING);
  }

  @Test
  void deletionWithPolicyDeleteDeletesTheKfpRun() {
    harness.apply(versionRefRun("delete-on-delete", "deletionPolicy: Delete"));
    harness.awaitState("delete-on-delete", "PENDING");

    harness.delete("delete-on-delete");
    harness.awaitGone("delete-on-delete");

    assertThat(harness.kfp.runs()).isEmpty();
    assertThat(harness.kfp.calls().count(Endpoint.DELETE_RUN)).isEqualTo(1);
  }

  @Test
  void deletionWithPolicyOrphanLeavesTheKfpRunAlone() {
    harness.apply(versionRefRun("orphan-on-delete", "deletionPolicy: Orphan"));
    String runId = harness.awaitState("orphan-on-delete", "PENDING").getStatus().getRunId();

    harness.delete("orphan-on-delete");
    harness.awaitGone("orphan-on-delete");
    // Whatever the operator does about the deleted Run, it has done before the finalizer went; a few more
    // polls show that nothing follows.
    await().during(POLL.multipliedBy(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(changesSent()).as("calls that change a KFP run, made for an orphaned one").isEmpty());

    assertThat(harness.kfp.run(runId)).as("the KFP run still exists").hasValueSatisfying(left -> {
      assertThat(left.storageState()).isEqualTo(StorageState.AVAILABLE);
      assertThat(left.state()).isEqualTo(RunState.PENDING);
    });
    assertThat(harness.kfp.runs()).hasSize(1);
  }

  /** The calls that change a KFP run other than the create, with their counts. */
  private Map<Endpoint, Long> changesSent() {
    Map<Endpoint, Long> calls = new HashMap<>(harness.kfp.calls().snapshot());
    calls.keySet().retainAll(Set.of(Endpoint.ARCHIVE_RUN, Endpoint.UNARCHIVE_RUN,
        Endpoint.TERMINATE_RUN, Endpoint.RETRY_RUN, Endpoint.DELETE_RUN));
    return calls;
  }

  @Test
  void aKfpRunDeletedOutsideTheOperatorIsReportedAndNotRecreated() {
    harness.apply(versionRefRun("deleted-outside", ""));
    Run submitted = harness.awaitState("deleted-outside", "PENDING");

    harness.client.deleteRun(submitted.getStatus().getRunId());

    Run orphaned = harness.awaitRun("deleted-outside", run -> run.getStatus().condition(RunConditions.SYNCED)
        .map(c -> "False".equals(c.getStatus())).orElse(false));
    Condition synced = orphaned.getStatus().condition(RunConditions.SYNCED).orElseThrow();
    assertThat(synced.getReason()).isEqualTo(RunConditions.REASON_RUN_DELETED);
    assertThat(synced.getMessage()).contains("no longer exists", "not recreated");
    assertThat(orphaned.getStatus().getState()).as("last known state kept").isEqualTo("PENDING");
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
        .until(() -> harness.kfp.calls().count(Endpoint.CREATE_RUN) == 1 && harness.kfp.runs().isEmpty());
  }

  /**
   * A real API server refuses the edit (the CRD's immutability rule), so the operator never sees it; the mock has
   * no CRD rules, like a cluster where the CRD was installed some other way, and there the operator reports it.
   */
  @Test
  void aSpecEditAfterSubmissionIsRefusedOrReportedAndSendsNothingToKfp() {
    harness.apply(versionRefRun("edited", ""));
    harness.awaitState("edited", "PENDING");

    if (harness.validatesCrds()) {
      KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class,
          () -> harness.edit("edited", run -> run.getSpec().setDisplayName("another name")));
      assertThat(refused).as("the CRD refuses the edit").isNotNull();
      assertThat(refused.getCode()).isEqualTo(422);
      assertThat(refused.getMessage()).contains("spec.displayName cannot change after creation");
      assertThat(harness.get("edited").getSpec().getDisplayName()).isNull();
    } else {
      harness.edit("edited", run -> run.getSpec().setDisplayName("another name"));
      Run edited = harness.awaitRun("edited", run -> !run.getStatus().isTrue(RunConditions.SUBMITTED));
      Condition submitted = edited.getStatus().condition(RunConditions.SUBMITTED).orElseThrow();
      assertThat(submitted.getReason()).isEqualTo(RunConditions.REASON_SPEC_CHANGED);
      assertThat(submitted.getMessage()).contains("spec.displayName changed", "nothing was sent");
      assertThat(harness.eventReasons("edited")).contains(RunConditions.REASON_SPEC_CHANGED);
    }
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
    assertThat(onlyKfpRun().displayName()).isEqualTo("edited");
    Map<Endpoint, Long> calls = harness.kfp.calls().snapshot();
    assertThat(calls.keySet()).allMatch(e -> e == Endpoint.CREATE_RUN || e == Endpoint.GET_RUN
        || e == Endpoint.LIST_RUNS || calls.get(e) == 0);
  }
}
