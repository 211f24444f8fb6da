package dev.kfp.operator.contract;

import static dev.kfp.operator.contract.ClientSimulatorHarness.PENDING;
import static dev.kfp.operator.contract.ClientSimulatorHarness.UNTIL_FINISHED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static dev.kfp.operator.contract.KfpFailures.assertPermanent;
import static dev.kfp.operator.contract.KfpFailures.failureOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.LogTail;
import dev.kfp.operator.kfp.LogTailLimits;
import dev.kfp.operator.kfp.PipelineTaskDetail;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.kfp.RunFilter;
import dev.kfp.operator.kfp.RuntimeConfig;
import dev.kfp.operator.kfp.RuntimeStatus;
import dev.kfp.operator.simulator.Outcome;
import dev.kfp.operator.simulator.OutcomeRule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each of the nine runs endpoints, client → simulator, on success and on the error paths KFP has. */
class ClientSimulatorEndpointsTest {

  /** A pipeline spec is a protobuf Struct: every number is a double, so KFP echoes {@code 1.0} as {@code 1}. */
  private static final Comparator<JsonNode> SAME_NUMBER = (a, b) -> a.equals(b)
      || a.isNumber() && b.isNumber() && a.doubleValue() == b.doubleValue() ? 0 : 1;

  private ClientSimulatorHarness kfp;

  @BeforeEach
  void start() {
    kfp = ClientSimulatorHarness.start();
    kfp.simulator.setOutcomeRule(OutcomeRule.failWhenNameContains("fail"));
  }

  @AfterEach
  void stop() {
    kfp.close();
  }

  private KfpRuntimeState stateOf(String runId) {
    return kfp.client.getRun(runId).state();
  }

  // ---- success ----

  @Test
  void createByVersionReferenceStoresAPendingRunWithEveryInputField() {
    Map<String, JsonNode> parameters = new LinkedHashMap<>();
    parameters.put("message", TextNode.valueOf("hi"));
    parameters.put("repeat", IntNode.valueOf(3));
    parameters.put("dry_run", BooleanNode.TRUE);

    KfpRun run = kfp.client.createRun(kfp.runOfDemo("nightly")
        .description("kfp-run-operator uid=2c0f")
        .experimentId(kfp.simulator.defaultExperimentId().orElseThrow())
        .runtimeConfig(new RuntimeConfig(parameters, "s3://bucket/root"))
        .serviceAccount("pipeline-runner")
        .build());

    assertThat(run.runId()).isNotBlank();
    assertThat(run.state()).isEqualTo(KfpRuntimeState.PENDING);
    assertThat(run.storageState()).isEqualTo(KfpStorageState.AVAILABLE);
    assertThat(run.displayName()).isEqualTo("nightly");
    assertThat(run.description()).isEqualTo("kfp-run-operator uid=2c0f");
    assertThat(run.pipelineVersionReference())
        .isEqualTo(new PipelineVersionReference(kfp.demo.pipelineId(), kfp.demo.pipelineVersionId()));
    assertThat(run.runtimeConfig().parameters()).isEqualTo(parameters);
    assertThat(run.runtimeConfig().pipelineRoot()).isEqualTo("s3://bucket/root");
    assertThat(run.createdAt()).isEqualTo(kfp.clock.now());
    assertThat(run.hasFinished()).isFalse();
    assertThat(run.stateHistory()).extracting(RuntimeStatus::state).containsExactly(KfpRuntimeState.PENDING);
    assertThat(kfp.simulator.runCount()).isEqualTo(1);
  }

  @Test
  void createWithAnInlineSpecEchoesTheSpec() {
    KfpRun run = kfp.client.createRun(KfpRun.create("inline").pipelineSpec(ClientSimulatorHarness.demoSpec())
        .build());

    assertThat(run.pipelineSpec().equals(SAME_NUMBER, ClientSimulatorHarness.demoSpec()))
        .as("echoed spec %s", run.pipelineSpec()).isTrue();
    assertThat(run.pipelineVersionReference()).isNull();
  }

  @Test
  void getFollowsARunFromPendingThroughRunningToSucceeded() {
    String id = kfp.createDemoRun("train");

    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.PENDING);
    kfp.clock.advance(PENDING);
    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.RUNNING);
    kfp.clock.advance(UNTIL_FINISHED);
    KfpRun finished = kfp.client.getRun(id);

    assertThat(finished.state()).isEqualTo(KfpRuntimeState.SUCCEEDED);
    assertThat(finished.hasFinished()).isTrue();
    assertThat(finished.stateHistory()).extracting(RuntimeStatus::state)
        .containsExactly(KfpRuntimeState.PENDING, KfpRuntimeState.RUNNING, KfpRuntimeState.SUCCEEDED);
  }

  @Test
  void listReturnsTheCreatedRunsWithTheirTotal() {
    String first = kfp.createDemoRun("a");
    kfp.clock.advance(Duration.ofSeconds(1));
    String second = kfp.createDemoRun("b");

    var page = kfp.client.listRuns(ListRunsRequest.all());

    assertThat(page.runs()).extracting(KfpRun::runId).containsExactly(first, second);
    assertThat(page.totalSize()).isEqualTo(2);
    assertThat(page.hasNextPage()).isFalse();
  }

  @Test
  void listOfNothingIsAnEmptyPage() {
    var page = kfp.client.listRuns(ListRunsRequest.all());

    assertThat(page.runs()).isEmpty();
    assertThat(page.totalSize()).isZero();
    assertThat(page.hasNextPage()).isFalse();
  }

  @Test
  void archiveAndUnarchiveMoveTheRunBetweenStorageStates() {
    String id = kfp.createDemoRun("keep");

    kfp.client.archiveRun(id);
    assertThat(kfp.client.getRun(id).storageState()).isEqualTo(KfpStorageState.ARCHIVED);
    kfp.client.unarchiveRun(id);

    assertThat(kfp.client.getRun(id).storageState()).isEqualTo(KfpStorageState.AVAILABLE);
  }

  @Test
  void terminateOfARunningRunCancelsItAndEndsFailed() {
    String id = kfp.createDemoRun("long");
    kfp.clock.advance(PENDING);

    kfp.client.terminateRun(id);
    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.CANCELING);
    kfp.clock.advance(Duration.ofSeconds(3));

    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.FAILED);
  }

  @Test
  void retryOfAFailedRunRunsItAgainUnderTheSameId() {
    kfp.simulator.setOutcomeRule(OutcomeRule.alwaysFail().thenSucceedOnRetry());
    String id = kfp.createDemoRun("flaky");
    kfp.clock.advance(UNTIL_FINISHED);
    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.FAILED);

    kfp.client.retryRun(id);
    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.RUNNING);
    kfp.clock.advance(UNTIL_FINISHED);

    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.SUCCEEDED);
    assertThat(kfp.simulator.runCount()).isEqualTo(1);
  }

  @Test
  void deleteRemovesTheRun() {
    String id = kfp.createDemoRun("gone");

    kfp.client.deleteRun(id);

    assertThat(kfp.simulator.run(id)).isEmpty();
    assertThat(catchThrowableOfType(KfpException.class, () -> kfp.client.getRun(id)).isNotFound()).isTrue();
  }

  @Test
  void readArtifactServesTheFailedNodesMainLogsAsAGzippedTar() throws IOException {
    kfp.simulator.setOutcomeRule(run -> Outcome.fail("trainer", "epoch 3: loss is NaN\n"));
    String id = kfp.createDemoRun("train");
    kfp.clock.advance(UNTIL_FINISHED);
    KfpRun failed = kfp.client.getRun(id);
    assertThat(failed.state()).isEqualTo(KfpRuntimeState.FAILED);
    String pod = failed.runDetails().taskDetails().stream()
        .filter(task -> "trainer".equals(task.displayName()))
        .flatMap(task -> task.childTasks().stream())
        .map(PipelineTaskDetail.ChildTask::podName)
        .findFirst().orElseThrow();

    byte[] data = kfp.client.readArtifact(id, pod, "main-logs").data();

    TarEntry log = TarEntry.firstOf(new GZIPInputStream(new ByteArrayInputStream(data)).readAllBytes());
    assertThat(log.name()).endsWith("main.log");
    assertThat(log.text()).isEqualTo("epoch 3: loss is NaN\n");
  }

  @Test
  void readArtifactTailUnpacksTheFailedNodesLogByItsArgoNodeId() {
    kfp.simulator.setOutcomeRule(run -> Outcome.fail("trainer", "epoch 1\nepoch 2\nepoch 3: loss is NaN\n"));
    String id = kfp.createDemoRun("train");
    kfp.clock.advance(UNTIL_FINISHED);
    String pod = kfp.client.getRun(id).runDetails().taskDetails().stream()
        .filter(task -> "trainer".equals(task.displayName()))
        .flatMap(task -> task.childTasks().stream())
        .map(PipelineTaskDetail.ChildTask::podName)
        .findFirst().orElseThrow();
    String nodeId = pod.replace("-system-container-impl-", "-");

    LogTail tail = kfp.client.readArtifactTail(id, nodeId, "main-logs", new LogTailLimits(2, 1024, 1 << 20));

    assertThat(tail.lines()).containsExactly("epoch 2", "epoch 3: loss is NaN");
    assertThat(tail.truncated()).isTrue();
  }

  /** The first file of a POSIX tar: the name and size from the 512-byte header, the content after it. */
  private record TarEntry(String name, String text) {
    static TarEntry firstOf(byte[] tar) {
      String name = new String(tar, 0, 100, StandardCharsets.US_ASCII).replace("\0", "");
      int size = Integer.parseInt(new String(tar, 124, 11, StandardCharsets.US_ASCII).trim(), 8);
      return new TarEntry(name, new String(Arrays.copyOfRange(tar, 512, 512 + size), StandardCharsets.UTF_8));
    }
  }

  // ---- error paths ----

  static Stream<Arguments> perRunCalls() {
    Map<String, Consumer<ClientSimulatorHarness>> calls = new LinkedHashMap<>();
    calls.put("get", h -> h.client.getRun("no-such-run"));
    calls.put("archive", h -> h.client.archiveRun("no-such-run"));
    calls.put("unarchive", h -> h.client.unarchiveRun("no-such-run"));
    calls.put("terminate", h -> h.client.terminateRun("no-such-run"));
    calls.put("retry", h -> h.client.retryRun("no-such-run"));
    calls.put("delete", h -> h.client.deleteRun("no-such-run"));
    calls.put("read_artifact", h -> h.client.readArtifact("no-such-run", "node-1", "main-logs"));
    calls.put("read_artifact (tail)", h -> h.client.readArtifactTail("no-such-run", "node-1", "main-logs",
        LogTailLimits.defaults()));
    return calls.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("perRunCalls")
  void anUnknownRunIsNotFoundAndPermanent(String call, Consumer<ClientSimulatorHarness> action) {
    KfpException failure = failureOf(() -> action.accept(kfp));

    assertThat(failure.httpStatus()).isEqualTo(404);
    assertThat(failure.kfpCode()).isEqualTo(5);
    assertThat(failure.kfpMessage()).isEqualTo("Run no-such-run not found");
    assertPermanent(failure);
  }

  @Test
  void terminateOfAFinishedRunIsAPermanent400() {
    String id = kfp.createDemoRun("done");
    kfp.clock.advance(UNTIL_FINISHED);

    KfpException failure = failureOf(() -> kfp.client.terminateRun(id));

    assertThat(failure.httpStatus()).isEqualTo(400);
    assertThat(failure.kfpCode()).isEqualTo(3);
    assertPermanent(failure);
    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.SUCCEEDED);
  }

  @Test
  void retryOfARunningRunIsAPermanent409() {
    String id = kfp.createDemoRun("busy");
    kfp.clock.advance(PENDING);

    KfpException failure = failureOf(() -> kfp.client.retryRun(id));

    assertThat(failure.httpStatus()).isEqualTo(409);
    assertThat(failure.kfpCode()).isEqualTo(10);
    assertPermanent(failure);
    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.RUNNING);
  }

  @Test
  void retryOfASucceededRunIsAPermanent409() {
    String id = kfp.createDemoRun("fine");
    kfp.clock.advance(UNTIL_FINISHED);

    KfpException failure = failureOf(() -> kfp.client.retryRun(id));

    assertThat(failure.httpStatus()).isEqualTo(409);
    assertThat(failure.kfpMessage()).contains("Workflow must be Failed/Error to retry");
    assertPermanent(failure);
    assertThat(stateOf(id)).isEqualTo(KfpRuntimeState.SUCCEEDED);
  }

  @Test
  void aFilterOnAnUnknownFieldIsAPermanent400() {
    RunFilter filter = RunFilter.builder().equalTo("owner", "team-a").build();

    KfpException failure = failureOf(() -> kfp.client.listRuns(ListRunsRequest.all().withFilter(filter)));

    assertThat(failure.httpStatus()).isEqualTo(400);
    assertThat(failure.kfpCode()).isEqualTo(3);
    assertThat(failure.kfpMessage()).contains("unrecognized field \"owner\"");
    assertPermanent(failure);
  }

  @Test
  void aFilterWithASingleValueForInIsAPermanent400() {
    RunFilter filter = RunFilter.builder().compare("state", RunFilter.Operation.IN, 3L).build();

    KfpException failure = failureOf(() -> kfp.client.listRuns(ListRunsRequest.all().withFilter(filter)));

    assertThat(failure.httpStatus()).isEqualTo(400);
    assertThat(failure.kfpMessage()).contains("cannot use IN operator with scalar type int64");
    assertPermanent(failure);
  }

  @Test
  void createWithNeitherPipelineSourceIsA500ThatMayHaveCreatedSomething() {
    KfpException failure = failureOf(() -> kfp.client.createRun(KfpRun.create("sourceless").build()));

    assertThat(failure.httpStatus()).isEqualTo(500);
    assertThat(failure.kfpCode()).isEqualTo(13);
    assertThat(failure.isAmbiguous()).isTrue();
    assertThat(failure.isRetryable()).as("KFP answers client mistakes on create with 500").isFalse();
    assertThat(kfp.simulator.runCount()).isZero();
  }

  @Test
  void createWithBothPipelineSourcesIsAPermanent400() {
    KfpException failure = failureOf(() -> kfp.client.createRun(kfp.runOfDemo("both")
        .pipelineSpec(ClientSimulatorHarness.demoSpec()).build()));

    assertThat(failure.httpStatus()).isEqualTo(400);
    assertThat(failure.kfpCode()).isEqualTo(3);
    assertPermanent(failure);
    assertThat(kfp.simulator.runCount()).isZero();
  }
}
