package dev.kfp.operator.simulator;

import static dev.kfp.operator.simulator.SimulatorFixture.runOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The run state machine on a manual clock and the per-run endpoints: get, actions, delete, read_artifact. */
class SimulatorLifecycleTest {

  private final ManualClock clock = new ManualClock();
  private KfpSimulator simulator;
  private SimulatorHttp http;
  private PipelineVersion demo;

  @BeforeEach
  void start() {
    simulator = KfpSimulator.builder().clock(clock)
        .timing(new Timing(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(3)))
        .outcomeRule(OutcomeRule.failWhenNameContains("bad"))
        .start();
    http = new SimulatorHttp(simulator);
    demo = simulator.registerPipeline("demo", DemoPipeline.yaml());
  }

  @AfterEach
  void stop() {
    simulator.close();
  }

  private String create(String name) {
    return create(name, "");
  }

  private String create(String name, String extra) {
    var reply = http.post("/apis/v2beta1/runs", runOf(name, demo.pipelineId(), extra));
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(200);
    return reply.body().get("run_id").asText();
  }

  private JsonNode get(String runId) {
    var reply = http.get("/apis/v2beta1/runs/" + runId);
    assertThat(reply.status()).isEqualTo(200);
    return reply.body();
  }

  private static List<String> history(JsonNode run) {
    return StreamSupport.stream(run.get("state_history").spliterator(), false)
        .map(h -> h.get("state").asText() + "@" + h.get("update_time").asText()).toList();
  }

  @Test
  void runGoesPendingRunningSucceededOnTheClock() {
    String id = create("good");

    assertThat(get(id).get("state").asText()).isEqualTo("PENDING");
    clock.advance(Duration.ofSeconds(5));
    assertThat(get(id).get("state").asText()).isEqualTo("RUNNING");
    clock.advance(Duration.ofSeconds(59));
    assertThat(get(id).get("state").asText()).isEqualTo("RUNNING");
    assertThat(get(id).get("finished_at").asText()).isEqualTo("1970-01-01T00:00:00Z");
    clock.advance(Duration.ofSeconds(1));

    JsonNode run = get(id);
    assertThat(run.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(run.get("finished_at").asText()).isEqualTo("2026-11-29T10:01:05Z");
    assertThat(history(run)).containsExactly("PENDING@2026-11-29T10:00:00Z", "RUNNING@2026-11-29T10:00:05Z",
        "SUCCEEDED@2026-11-29T10:01:05Z");
    assertThat(run.has("run_details")).isFalse();
  }

  @Test
  void aLongJumpAppliesEveryTransitionWithItsOwnTime() {
    String id = create("bad apple");
    clock.advance(Duration.ofHours(1));

    JsonNode run = get(id);
    assertThat(run.get("state").asText()).isEqualTo("FAILED");
    assertThat(history(run)).containsExactly("PENDING@2026-11-29T10:00:00Z", "RUNNING@2026-11-29T10:00:05Z",
        "FAILED@2026-11-29T10:01:05Z");
    assertThat(run.has("error")).isFalse();
  }

  @Test
  void failedRunCarriesTaskDetailsWithThePodOfTheFailedTask() {
    String id = create("bad");
    clock.advance(Duration.ofMinutes(2));

    JsonNode tasks = get(id).get("run_details").get("task_details");
    JsonNode failed = StreamSupport.stream(tasks.spliterator(), false)
        .filter(t -> t.get("display_name").asText().equals("train")).findFirst().orElseThrow();
    assertThat(failed.get("state").asText()).isEqualTo("FAILED");
    assertThat(failed.get("child_tasks").get(0).get("pod_name").asText()).contains("-system-container-impl-");
    assertThat(get(id).get("run_details").get("pipeline_context_id").isTextual()).isTrue();
  }

  @Test
  void readArtifactServesTheFailedNodesLogAsAGzippedTar() throws IOException {
    simulator.setOutcomeRule(run -> Outcome.fail("trainer", "epoch 3: loss is NaN\n"));
    String id = create("any");
    clock.advance(Duration.ofMinutes(2));
    String pod = get(id).get("run_details").get("task_details").get(1).get("child_tasks").get(0)
        .get("pod_name").asText();

    var reply = http.get("/apis/v2beta1/runs/" + id + "/nodes/" + pod + "/artifacts/main-logs:read");

    assertThat(reply.status()).isEqualTo(200);
    byte[] tar = new GZIPInputStream(new ByteArrayInputStream(
        Base64.getDecoder().decode(reply.body().get("data").asText()))).readAllBytes();
    String fileName = new String(tar, 0, 100, StandardCharsets.US_ASCII).trim().replace("\0", "");
    int size = Integer.parseInt(new String(tar, 124, 11, StandardCharsets.US_ASCII), 8);
    assertThat(fileName).endsWith("main.log");
    assertThat(new String(tar, 257, 5, StandardCharsets.US_ASCII)).isEqualTo("ustar");
    assertThat(new String(tar, 512, size, StandardCharsets.UTF_8)).isEqualTo("epoch 3: loss is NaN\n");
    assertThat(tar.length % 512).isZero();
  }

  @Test
  void readArtifactOfAnUnknownNodeOrArtifactIs404() {
    String id = create("bad");
    clock.advance(Duration.ofMinutes(2));
    String pod = get(id).get("run_details").get("task_details").get(1).get("child_tasks").get(0)
        .get("pod_name").asText();

    var unknownNode = http.get("/apis/v2beta1/runs/" + id + "/nodes/nope/artifacts/main-logs:read");
    var unknownArtifact = http.get("/apis/v2beta1/runs/" + id + "/nodes/" + pod + "/artifacts/metrics:read");
    var unknownRun = http.get("/apis/v2beta1/runs/nope/nodes/" + pod + "/artifacts/main-logs:read");

    assertThat(unknownNode.status()).isEqualTo(404);
    assertThat(unknownArtifact.status()).isEqualTo(404);
    assertThat(unknownRun.status()).isEqualTo(404);
    assertThat(unknownRun.shortMessage()).isEqualTo("Run nope not found");
  }

  @Test
  void readArtifactBeforeTheWorkflowIsReportedIs400() {
    String id = create("bad");

    assertThat(http.get("/apis/v2beta1/runs/" + id + "/nodes/n/artifacts/main-logs:read").status()).isEqualTo(400);
  }

  @Test
  void getOfAnUnknownRunIs404() {
    var reply = http.get("/apis/v2beta1/runs/nope?experiment_id=whatever");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.code()).isEqualTo(5);
    assertThat(reply.shortMessage()).isEqualTo("Run nope not found");
  }

  @Test
  void terminateGoesCancelingThenFailed() {
    String id = create("good");
    clock.advance(Duration.ofSeconds(10));

    var reply = http.post("/apis/v2beta1/runs/" + id + ":terminate", "{\"run_id\":\"ignored\"}");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().toString()).isEqualTo("{}");
    assertThat(get(id).get("state").asText()).isEqualTo("CANCELING");
    clock.advance(Duration.ofSeconds(3));
    JsonNode run = get(id);
    assertThat(run.get("state").asText()).isEqualTo("FAILED");
    assertThat(run.get("finished_at").asText()).isEqualTo("2026-11-29T10:00:13Z");
    assertThat(history(run)).containsExactly("PENDING@2026-11-29T10:00:00Z", "RUNNING@2026-11-29T10:00:05Z",
        "CANCELING@2026-11-29T10:00:10Z", "FAILED@2026-11-29T10:00:13Z");
  }

  @Test
  void terminateWhilePendingIsAllowed() {
    String id = create("good");

    assertThat(http.post("/apis/v2beta1/runs/" + id + ":terminate", null).status()).isEqualTo(200);
    assertThat(get(id).get("state").asText()).isEqualTo("CANCELING");
  }

  @Test
  void terminateOfAFinishedRunIs400() {
    String id = create("good");
    clock.advance(Duration.ofMinutes(2));

    var reply = http.post("/apis/v2beta1/runs/" + id + ":terminate", null);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.code()).isEqualTo(3);
    assertThat(reply.shortMessage()).isEqualTo("Failed to terminate a run " + id + ". Row not found");
  }

  @Test
  void aSecondTerminateIs400() {
    String id = create("good");
    http.post("/apis/v2beta1/runs/" + id + ":terminate", null);

    assertThat(http.post("/apis/v2beta1/runs/" + id + ":terminate", null).status()).isEqualTo(400);
  }

  @Test
  void terminateOfAnUnknownRunIs404() {
    assertThat(http.post("/apis/v2beta1/runs/nope:terminate", null).status()).isEqualTo(404);
  }

  @Test
  void retryRightAfterCreateIs409ForTheMissingManifest() {
    String id = create("bad");

    var reply = http.post("/apis/v2beta1/runs/" + id + ":retry", null);

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.code()).isEqualTo(10);
    assertThat(reply.shortMessage()).contains("workflow manifest");
  }

  @Test
  void retryOfARunningOrSucceededRunIs409() {
    String id = create("good");
    clock.advance(Duration.ofSeconds(6));
    var whileRunning = http.post("/apis/v2beta1/runs/" + id + ":retry", null);
    clock.advance(Duration.ofMinutes(2));
    var afterSuccess = http.post("/apis/v2beta1/runs/" + id + ":retry", null);

    assertThat(whileRunning.status()).isEqualTo(409);
    assertThat(whileRunning.shortMessage()).isEqualTo("Workflow must be Failed/Error to retry");
    assertThat(afterSuccess.status()).isEqualTo(409);
  }

  @Test
  void retryOfAFailedRunRunsItAgainUnderTheSameId() {
    simulator.setOutcomeRule(OutcomeRule.alwaysFail().thenSucceedOnRetry());
    String id = create("flaky");
    clock.advance(Duration.ofMinutes(2));
    assertThat(get(id).get("state").asText()).isEqualTo("FAILED");

    var reply = http.post("/apis/v2beta1/runs/" + id + ":retry", "{}");

    assertThat(reply.status()).isEqualTo(200);
    JsonNode run = get(id);
    assertThat(run.get("state").asText()).isEqualTo("RUNNING");
    assertThat(run.get("finished_at").asText()).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(run.has("run_details")).isFalse();
    assertThat(http.post("/apis/v2beta1/runs/" + id + ":retry", null).status()).isEqualTo(409);
    clock.advance(Duration.ofMinutes(1));
    assertThat(get(id).get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(simulator.run(id).orElseThrow().attempt()).isEqualTo(2);
    assertThat(history(get(id))).hasSize(5);
  }

  @Test
  void aTerminatedRunCanBeRetried() {
    String id = create("good");
    http.post("/apis/v2beta1/runs/" + id + ":terminate", null);
    clock.advance(Duration.ofSeconds(3));

    assertThat(http.post("/apis/v2beta1/runs/" + id + ":retry", null).status()).isEqualTo(200);
    assertThat(get(id).get("state").asText()).isEqualTo("RUNNING");
  }

  @Test
  void outcomeRuleCanLookAtParametersAndAttempts() {
    simulator.setOutcomeRule(OutcomeRule.failWhenParameter("repeat", 7));
    String failing = create("p1", "\"runtime_config\":{\"parameters\":{\"repeat\":7}}");
    String passing = create("p2", "\"runtime_config\":{\"parameters\":{\"repeat\":8}}");
    clock.advance(Duration.ofMinutes(2));

    assertThat(get(failing).get("state").asText()).isEqualTo("FAILED");
    assertThat(get(passing).get("state").asText()).isEqualTo("SUCCEEDED");
  }

  @Test
  void archiveAndUnarchiveFlipTheStorageStateAndAreIdempotent() {
    String id = create("good");

    assertThat(http.post("/apis/v2beta1/runs/" + id + ":archive", null).status()).isEqualTo(200);
    assertThat(http.post("/apis/v2beta1/runs/" + id + ":archive", null).status()).isEqualTo(200);
    assertThat(get(id).get("storage_state").asText()).isEqualTo("ARCHIVED");
    assertThat(get(id).get("state").asText()).isEqualTo("PENDING");
    assertThat(http.post("/apis/v2beta1/runs/" + id + ":unarchive", null).status()).isEqualTo(200);
    assertThat(http.post("/apis/v2beta1/runs/" + id + ":unarchive", null).status()).isEqualTo(200);
    assertThat(get(id).get("storage_state").asText()).isEqualTo("AVAILABLE");
    assertThat(http.post("/apis/v2beta1/runs/nope:archive", null).status()).isEqualTo(404);
    assertThat(http.post("/apis/v2beta1/runs/nope:unarchive", null).status()).isEqualTo(404);
  }

  @Test
  void unarchiveIntoAnArchivedExperimentIs400WithFailedPrecondition() {
    Experiment experiment = simulator.registerExperiment("e", "");
    String id = create("good", "\"experiment_id\":\"" + experiment.experimentId() + "\"");
    simulator.archiveExperiment(experiment.experimentId());
    assertThat(get(id).get("storage_state").asText()).isEqualTo("ARCHIVED");

    var reply = http.post("/apis/v2beta1/runs/" + id + ":unarchive", null);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.code()).isEqualTo(9);
    assertThat(reply.shortMessage()).contains("must be un-archived first");
    simulator.unarchiveExperiment(experiment.experimentId());
    assertThat(get(id).get("storage_state").asText()).isEqualTo("ARCHIVED");
    assertThat(http.post("/apis/v2beta1/runs/" + id + ":unarchive", null).status()).isEqualTo(200);
  }

  @Test
  void deleteRemovesTheRunAndASecondDeleteIs404() {
    String id = create("good");

    var reply = http.delete("/apis/v2beta1/runs/" + id);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().toString()).isEqualTo("{}");
    assertThat(http.get("/apis/v2beta1/runs/" + id).status()).isEqualTo(404);
    assertThat(http.delete("/apis/v2beta1/runs/" + id).status()).isEqualTo(404);
    assertThat(simulator.runCount()).isZero();
  }

  @Test
  void experimentEndpointGivesTheNamespace() {
    Experiment experiment = simulator.registerExperiment("e", "team-a");

    var reply = http.get("/apis/v2beta1/experiments/" + experiment.experimentId());

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("namespace").asText()).isEqualTo("team-a");
    assertThat(reply.body().get("display_name").asText()).isEqualTo("e");
    assertThat(reply.body().get("storage_state").asText()).isEqualTo("AVAILABLE");
    assertThat(http.get("/apis/v2beta1/experiments/nope").status()).isEqualTo(404);
  }

  @Test
  void experimentEndpointGivesItsCreationTimeAndThatOfItsLatestRun() {
    Experiment experiment = simulator.registerExperiment("e", "");
    var before = http.get("/apis/v2beta1/experiments/" + experiment.experimentId()).body();
    clock.advance(Duration.ofSeconds(90));
    create("first", "\"experiment_id\":\"" + experiment.experimentId() + "\"");
    clock.advance(Duration.ofSeconds(30));
    create("elsewhere");

    var after = http.get("/apis/v2beta1/experiments/" + experiment.experimentId()).body();

    assertThat(before.get("created_at").asText()).isEqualTo("2026-11-29T10:00:00Z");
    assertThat(before.get("last_run_created_at").asText()).as("no run yet").isEqualTo("1970-01-01T00:00:00Z");
    assertThat(after.get("created_at").asText()).isEqualTo("2026-11-29T10:00:00Z");
    assertThat(after.get("last_run_created_at").asText()).isEqualTo("2026-11-29T10:01:30Z");
  }

  @Test
  void healthzSaysSingleUser() {
    var reply = http.get("/apis/v2beta1/healthz");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("multi_user").asBoolean()).isFalse();
  }

  @Test
  void unknownPathIs404AndWrongMethodIs501() {
    var unknown = http.get("/apis/v2beta1/runz");
    var wrongMethod = http.call("PUT", "/apis/v2beta1/runs/x", "{}");

    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body().toString()).isEqualTo("{\"code\":5,\"message\":\"Not Found\"}");
    assertThat(wrongMethod.status()).isEqualTo(501);
    assertThat(wrongMethod.code()).isEqualTo(12);
  }

  @Test
  void storedRunsAreVisibleToTestsWithoutHttp() {
    String id = create("good", "\"description\":\"uid=7\"");

    assertThat(simulator.runCount()).isEqualTo(1);
    RunSnapshot run = simulator.run(id).orElseThrow();
    assertThat(run.description()).isEqualTo("uid=7");
    assertThat(run.state()).isEqualTo(RunState.PENDING);
    assertThat(simulator.runs()).extracting(RunSnapshot::runId).containsExactly(id);
  }
}
