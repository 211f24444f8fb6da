package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.OperatorHarness.TIMING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunFailure;
import dev.kfp.operator.reconciler.follow.FailureDiagnostician;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.Outcome;
import dev.kfp.operator.simulator.Outcome.FailedStep;
import dev.kfp.operator.simulator.Outcome.MainLogs;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.ReadArtifactApi;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue 7: a failed Run says which step failed and how its log ended, read once from the step's main-logs. */
abstract class FailureDiagnosticsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PIPELINE = """
      schemaVersion: 2.1.0
      sdkVersion: kfp-2.7.0
      pipelineInfo: {name: train}
      root: {dag: {tasks: {}}}
      """;
  private static final String TRAIN_LOG = "loading data\nepoch 1: loss 0.7\nepoch 2: loss nan\n"
      + "RuntimeError: loss is NaN\n";
  /** The status block stays far below what a Kubernetes object can hold; 3 tasks of 2 KiB logs plus notes. */
  private static final int FAILURE_BLOCK_LIMIT = 8 * 1024;

  private OperatorHarness harness;
  private PipelineVersion pipeline;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
    pipeline = harness.kfp.registerPipeline("train", PIPELINE);
  }

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract OperatorHarness.Backend backend();

  @AfterEach
  void stop() {
    harness.close();
  }

  private void applyRun(String name, String annotations) {
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata:
          name: %s
          namespace: team-a
          annotations: {%s}
        spec:
          pipeline:
            versionRef: {pipelineId: %s}
        """.formatted(name, annotations, pipeline.pipelineId()));
  }

  /** Applies a Run and moves the clock until its KFP run ended; returns the Run once it shows FAILED. */
  private Run failedRun(String name, OutcomeRule rule) {
    harness.kfp.setOutcomeRule(rule);
    applyRun(name, "");
    harness.awaitState(name, "PENDING");
    harness.clock.advance(TIMING.pending());
    harness.awaitState(name, "RUNNING");
    harness.clock.advance(TIMING.running());
    return harness.awaitState(name, "FAILED");
  }

  /**
   * Makes the operator read the Run's KFP run {@code times} more times: an edit of a mutable spec field each (a
   * generation its status has not observed, so the reconcile reads; an annotation alone would let a finished
   * Run's status stand without a read).
   */
  private Run reconcileAgain(String name, int times) {
    for (int i = 0; i < times; i++) {
      long gets = harness.kfp.calls().count(Endpoint.GET_RUN);
      long deadline = 86_400L + i; // applies to an active run only
      harness.edit(name, run -> run.getSpec().setActiveDeadlineSeconds(deadline));
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.kfp.calls().count(Endpoint.GET_RUN) > gets);
    }
    return harness.get(name);
  }

  private static Condition succeeded(Run run) {
    return run.getStatus().condition(RunConditions.SUCCEEDED).orElseThrow();
  }

  private List<Event> stepFailedEvents(String name) {
    return harness.events(name).stream().filter(e -> EventReason.STEP_FAILED.text().equals(e.getReason()))
        .toList();
  }

  private static int jsonSize(Object value) throws Exception {
    return JSON.writeValueAsBytes(value).length;
  }

  @Test
  void aFailedRunNamesTheFailedStepAndTheEndOfItsLog() {
    Run run = failedRun("train", facts -> Outcome.fail("train-model", TRAIN_LOG));

    RunFailure failure = run.getStatus().getFailure();
    assertThat(failure).isNotNull();
    assertThat(failure.failedAt()).isEqualTo(run.getStatus().getFinishedAt());
    assertThat(failure.tasks()).singleElement().satisfies(task -> {
      assertThat(task.name()).isEqualTo("train-model");
      assertThat(task.pod()).contains("-system-container-impl-");
      assertThat(task.node()).isEqualTo(FailureDiagnostician.nodeId(task.pod())).doesNotContain("-system-");
      assertThat(task.logTail()).isEqualTo(TRAIN_LOG.strip());
      assertThat(task.note()).isNull();
    });
    Condition condition = succeeded(run);
    assertThat(condition.getStatus()).isEqualTo("False");
    assertThat(condition.getReason()).isEqualTo("Failed");
    assertThat(condition.getMessage()).contains("step train-model failed: RuntimeError: loss is NaN");
    assertThat(stepFailedEvents("train")).singleElement().satisfies(event -> {
      assertThat(event.getType()).isEqualTo("Warning");
      assertThat(event.getMessage()).contains("step train-model failed").endsWith("RuntimeError: loss is NaN");
    });
    assertThat(harness.kfp.calls().count(Endpoint.READ_ARTIFACT)).isEqualTo(1);

    Run later = reconcileAgain("train", 3);

    assertThat(harness.kfp.calls().count(Endpoint.READ_ARTIFACT)).as("read once per failure").isEqualTo(1);
    assertThat(later.getStatus().getFailure()).isEqualTo(failure);
    assertThat(stepFailedEvents("train")).hasSize(1);
  }

  @Test
  void twoFailedStepsAreBothListed() {
    Run run = failedRun("parallel", facts -> Outcome.fail(
        FailedStep.of("preprocess", "reading s3://bucket/in\nFileNotFoundError: s3://bucket/in/part-0\n"),
        FailedStep.of("validate", "checking schema\nValueError: column 'age' missing\n")));

    assertThat(run.getStatus().getFailure().tasks()).extracting(RunFailure.FailedTask::name,
        RunFailure.FailedTask::lastLogLine).containsExactly(
            tuple("preprocess", "FileNotFoundError: s3://bucket/in/part-0"),
            tuple("validate", "ValueError: column 'age' missing"));
    assertThat(succeeded(run).getMessage())
        .contains("step preprocess failed: FileNotFoundError: s3://bucket/in/part-0")
        .contains("step validate failed: ValueError: column 'age' missing");
    assertThat(stepFailedEvents("parallel")).hasSize(2);
    assertThat(harness.kfp.calls().count(Endpoint.READ_ARTIFACT)).isEqualTo(2);
  }

  @Test
  void onlyThreeFailedStepsAreReadAndTheRestCounted() {
    Run run = failedRun("wide", facts -> Outcome.fail(Stream.of("a", "b", "c", "d", "e")
        .map(task -> FailedStep.of(task, "Error in " + task + "\n")).toArray(FailedStep[]::new)));

    RunFailure failure = run.getStatus().getFailure();
    assertThat(failure.tasks()).extracting(RunFailure.FailedTask::name).containsExactly("a", "b", "c");
    assertThat(failure.omittedTasks()).isEqualTo(2);
    assertThat(succeeded(run).getMessage()).contains("2 more failed steps");
    assertThat(harness.kfp.calls().count(Endpoint.READ_ARTIFACT)).isEqualTo(3);
  }

  static Stream<Arguments> unreadableLogs() {
    Consumer<KfpSimulator> none = kfp -> { };
    return Stream.of(
        Arguments.of("missing artifact", MainLogs.MISSING, none, "no main-logs artifact"),
        Arguments.of("403 (KFP ≤ 2.14)", MainLogs.ARCHIVED,
            (Consumer<KfpSimulator>) kfp -> kfp.faults().inject(Fault.status(403).on(Endpoint.READ_ARTIFACT)),
            "HTTP 403"),
        Arguments.of("403 (KFP ≥ 2.15)", MainLogs.ARCHIVED, (Consumer<KfpSimulator>) kfp -> {
          kfp.setReadArtifactApi(ReadArtifactApi.HTTP_HANDLER);
          kfp.faults().inject(Fault.status(403).on(Endpoint.READ_ARTIFACT));
        }, "HTTP 403"),
        Arguments.of("500 (KFP ≤ 2.14)", MainLogs.ARCHIVED,
            (Consumer<KfpSimulator>) kfp -> kfp.faults().inject(Fault.status(500).on(Endpoint.READ_ARTIFACT)),
            "HTTP 500"),
        Arguments.of("500 (KFP ≥ 2.15)", MainLogs.ARCHIVED, (Consumer<KfpSimulator>) kfp -> {
          kfp.setReadArtifactApi(ReadArtifactApi.HTTP_HANDLER);
          kfp.faults().inject(Fault.status(500).on(Endpoint.READ_ARTIFACT));
        }, "HTTP 500"),
        Arguments.of("404 of KFP ≥ 2.15", MainLogs.MISSING,
            (Consumer<KfpSimulator>) kfp -> kfp.setReadArtifactApi(ReadArtifactApi.HTTP_HANDLER),
            "artifact not found: <nil>"),
        Arguments.of("corrupt gzip", MainLogs.CORRUPT_GZIP, none, "could not be unpacked"),
        Arguments.of("not a tar", MainLogs.NOT_A_TAR, none, "not a tar archive"),
        Arguments.of("not base64", MainLogs.NOT_BASE64, none, "not base64"),
        Arguments.of("10 MB log", MainLogs.ARCHIVED, none, "last 20 lines of a"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unreadableLogs")
  void aLogThatCannotBeReadOrIsHugeEndsInABoundedNoteReadOnce(String what, MainLogs mainLogs,
      Consumer<KfpSimulator> setUp, String expectedNote) throws Exception {
    String log = what.equals("10 MB log")
        ? "training step, all fine so far\n".repeat(10 * 1024 * 1024 / 31 + 1) + "Killed: out of memory\n"
        : TRAIN_LOG;
    setUp.accept(harness.kfp);

    Run run = failedRun("broken", facts -> Outcome.fail(FailedStep.of("train-model", log).mainLogs(mainLogs)));

    RunFailure.FailedTask task = run.getStatus().getFailure().tasks().get(0);
    assertThat(task.name()).isEqualTo("train-model");
    assertThat(task.note()).contains(expectedNote).hasSizeLessThanOrEqualTo(300);
    assertThat(jsonSize(run.getStatus().getFailure())).isLessThan(FAILURE_BLOCK_LIMIT);
    if (what.equals("10 MB log")) {
      assertThat(task.logTail().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(2048);
      assertThat(task.lastLogLine()).isEqualTo("Killed: out of memory");
    } else {
      assertThat(task.logTail()).isNull();
    }
    assertThat(succeeded(run).getStatus()).isEqualTo("False");
    assertThat(succeeded(run).getMessage()).contains("step train-model failed");
    assertThat(run.getStatus().isTrue(RunConditions.SYNCED)).isTrue();

    reconcileAgain("broken", 3);

    assertThat(harness.kfp.calls().count(Endpoint.READ_ARTIFACT)).as("read once per failure").isEqualTo(1);
  }

  @Test
  void aBrokenLogStoreDoesNotHoldUpARetry() {
    harness.kfp.faults().inject(Fault.status(500).on(Endpoint.READ_ARTIFACT));
    harness.kfp.setOutcomeRule(OutcomeRule.alwaysFail().thenSucceedOnRetry());
    applyRun("retried", "");
    harness.awaitState("retried", "PENDING");
    // the operator is away while the run fails and the user asks for a retry: one reconcile meets both
    harness.stopOperator();
    harness.clock.advance(TIMING.pending().plus(TIMING.running()));
    harness.annotate("retried", Run.RETRY_ANNOTATION, "first");
    harness.startOperator();

    Run retried = harness.awaitRun("retried", run -> "first".equals(run.getStatus().getLastRetry()));

    assertThat(harness.kfp.calls().count(Endpoint.READ_ARTIFACT)).isEqualTo(1);
    assertThat(harness.kfp.runs().get(0).attempt()).isEqualTo(2);
    assertThat(retried.getStatus().getState()).isEqualTo("RUNNING");
    assertThat(retried.getStatus().isTrue(RunConditions.RETRIED)).isTrue();
    assertThat(retried.getStatus().getFailure()).isNull();
  }

  @Test
  void aRetriedRunClearsTheFailureBlockAndAFailedRetryIsDiagnosedAnew() {
    failedRun("again", facts -> facts.attempt() < 3
        ? Outcome.fail("train-model", "attempt " + facts.attempt() + " failed\n") : Outcome.succeed());

    harness.annotate("again", Run.RETRY_ANNOTATION, "1");
    Run retried = harness.awaitState("again", "RUNNING");
    assertThat(retried.getStatus().getFailure()).isNull();
    harness.clock.advance(TIMING.running());
    Run failedAgain = harness.awaitRun("again", run -> run.getStatus().getFailure() != null);
    assertThat(failedAgain.getStatus().getFailure().tasks().get(0).lastLogLine()).isEqualTo("attempt 2 failed");
    assertThat(harness.kfp.calls().count(Endpoint.READ_ARTIFACT)).isEqualTo(2);

    harness.annotate("again", Run.RETRY_ANNOTATION, "2");
    harness.awaitState("again", "RUNNING");
    harness.clock.advance(TIMING.running());
    Run done = harness.awaitState("again", "SUCCEEDED");

    assertThat(done.getStatus().getFailure()).isNull();
    assertThat(succeeded(done).getStatus()).isEqualTo("True");
  }

  @Test
  void aRunTheOperatorTerminatedIsNotDiagnosed() {
    harness.kfp.setOutcomeRule(OutcomeRule.alwaysSucceed());
    applyRun("stopped", "");
    harness.awaitState("stopped", "PENDING");
    harness.clock.advance(TIMING.pending());
    harness.awaitState("stopped", "RUNNING");
    harness.annotate("stopped", Run.TERMINATE_ANNOTATION, "true");
    harness.awaitState("stopped", "CANCELING");
    harness.clock.advance(TIMING.canceling());

    Run stopped = harness.awaitState("stopped", "FAILED");
    reconcileAgain("stopped", 2);

    assertThat(succeeded(stopped).getReason()).isEqualTo(RunConditions.REASON_TERMINATED);
    assertThat(harness.get("stopped").getStatus().getFailure()).isNull();
    assertThat(harness.kfp.calls().count(Endpoint.READ_ARTIFACT)).isZero();
    assertThat(stepFailedEvents("stopped")).isEmpty();
  }
}
