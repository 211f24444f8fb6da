package dev.kfp.operator.simulator;

import static dev.kfp.operator.simulator.SimulatorFixture.runOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfp.operator.simulator.Outcome.FailedStep;
import dev.kfp.operator.simulator.Outcome.MainLogs;
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

/** Failed steps in task details and their main-logs as read_artifact serves them, broken ones included. */
class SimulatorFailedStepsTest {

  private final ManualClock clock = new ManualClock();
  private KfpSimulator simulator;
  private SimulatorHttp http;
  private SimulatorHttp unvalidated;
  private PipelineVersion demo;

  @BeforeEach
  void start() {
    simulator = KfpSimulator.builder().clock(clock)
        .timing(new Timing(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(3)))
        .start();
    http = new SimulatorHttp(simulator);
    unvalidated = new SimulatorHttp(simulator).unvalidated();
    demo = simulator.registerPipeline("demo", DemoPipeline.yaml());
  }

  @AfterEach
  void stop() {
    simulator.close();
  }

  /** A run that failed with these steps; returns its id. */
  private String failedRun(FailedStep... steps) {
    simulator.setOutcomeRule(run -> Outcome.fail(steps));
    var reply = http.post("/apis/v2beta1/runs", runOf("broken", demo.pipelineId(), ""));
    clock.advance(Duration.ofMinutes(2));
    return reply.body().get("run_id").asText();
  }

  private List<JsonNode> failedLeafTasks(String runId) {
    JsonNode tasks = http.get("/apis/v2beta1/runs/" + runId).body().get("run_details").get("task_details");
    return StreamSupport.stream(tasks.spliterator(), false)
        .filter(t -> t.has("parent_task_id") && t.get("state").asText().equals("FAILED")).toList();
  }

  private static String implPod(JsonNode task) {
    return task.get("child_tasks").get(0).get("pod_name").asText();
  }

  private SimulatorHttp.Reply read(String runId, String node) {
    return unvalidated.get("/apis/v2beta1/runs/" + runId + "/nodes/" + node + "/artifacts/main-logs:read");
  }

  private static byte[] data(SimulatorHttp.Reply reply) {
    return Base64.getDecoder().decode(reply.body().get("data").asText());
  }

  @Test
  void twoFailedStepsHaveTaskDetailsPodsAndLogsOfTheirOwn() throws IOException {
    String id = failedRun(FailedStep.of("a", "log of a\n"), FailedStep.of("b", "log of b\n"));

    List<JsonNode> tasks = failedLeafTasks(id);

    assertThat(tasks).extracting(t -> t.get("display_name").asText()).containsExactly("a", "b");
    for (JsonNode task : tasks) {
      String pod = implPod(task);
      assertThat(pod).contains("-system-container-impl-");
      assertThat(task.get("child_tasks").get(1).get("pod_name").asText()).contains("-system-container-driver-");
      String text = new String(new GZIPInputStream(new ByteArrayInputStream(data(read(id, pod)))).readAllBytes(),
          StandardCharsets.UTF_8);
      assertThat(text).contains("log of " + task.get("display_name").asText());
    }
  }

  @Test
  void theArgoNodeIdFindsTheSameArtifactAsThePodName() {
    String id = failedRun(FailedStep.of("train", "boom\n"));
    String pod = implPod(failedLeafTasks(id).get(0));
    String nodeId = pod.replace("-system-container-impl-", "-");

    assertThat(read(id, nodeId).status()).isEqualTo(200);
    assertThat(data(read(id, nodeId))).isEqualTo(data(read(id, pod)));
  }

  @Test
  void aMissingLogIs404() {
    String id = failedRun(FailedStep.of("train", "boom\n").mainLogs(MainLogs.MISSING));

    SimulatorHttp.Reply reply = http.get("/apis/v2beta1/runs/" + id + "/nodes/" + implPod(failedLeafTasks(id).get(0))
        + "/artifacts/main-logs:read");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.shortMessage()).isEqualTo("Artifact main-logs not found");
  }

  @Test
  void brokenLogsAreServedBroken() throws IOException {
    String id = failedRun(FailedStep.of("corrupt", "boom\n").mainLogs(MainLogs.CORRUPT_GZIP),
        FailedStep.of("plain", "boom\n").mainLogs(MainLogs.NOT_A_TAR),
        FailedStep.of("garbled", "boom\n").mainLogs(MainLogs.NOT_BASE64));
    List<JsonNode> tasks = failedLeafTasks(id);

    byte[] corrupt = data(read(id, implPod(tasks.get(0))));
    assertThatThrownBy(() -> new GZIPInputStream(new ByteArrayInputStream(corrupt)).readAllBytes())
        .isInstanceOf(IOException.class);
    byte[] plain = new GZIPInputStream(new ByteArrayInputStream(data(read(id, implPod(tasks.get(1))))))
        .readAllBytes();
    assertThat(new String(plain, StandardCharsets.UTF_8)).isEqualTo("boom\n");
    String garbled = read(id, implPod(tasks.get(2))).body().get("data").asText();
    assertThatThrownBy(() -> Base64.getDecoder().decode(garbled)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void asKfp215ReadArtifactAnswersWithItsOwnErrorBody() {
    simulator.setReadArtifactApi(ReadArtifactApi.HTTP_HANDLER);
    String id = failedRun(FailedStep.of("train", "boom\n"));
    String early = http.post("/apis/v2beta1/runs", runOf("early", demo.pipelineId(), "")).body().get("run_id")
        .asText();

    SimulatorHttp.Reply unknownNode = read(id, "nope");
    SimulatorHttp.Reply noManifest = read(early, "nope");
    simulator.faults().inject(Fault.status(403).on(Endpoint.READ_ARTIFACT).times(1));
    SimulatorHttp.Reply denied = read(id, implPod(failedLeafTasks(id).get(0)));

    assertThat(unknownNode.status()).isEqualTo(404);
    assertThat(unknownNode.body().get("error_message").asText()).isEqualTo("artifact not found: <nil>");
    assertThat(unknownNode.body().has("code")).isFalse();
    assertThat(noManifest.status()).isEqualTo(500);
    assertThat(noManifest.body().has("error_details")).isTrue();
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.body().has("error_message")).isTrue();
    assertThat(read(id, implPod(failedLeafTasks(id).get(0))).status()).isEqualTo(200);
  }
}
