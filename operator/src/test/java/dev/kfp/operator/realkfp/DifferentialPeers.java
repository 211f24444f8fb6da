package dev.kfp.operator.realkfp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.ManualClock;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.ReadArtifactApi;
import dev.kfp.operator.simulator.Timing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The two servers a differential test talks to: the simulator on a manual clock, and KFP's own server (see
 * {@link KfpTestServer}) whose workflows are moved by reports. Both expose the same steps, so that one request
 * sequence drives both into the same states: {@link Peer#start} moves every PENDING run to RUNNING, and
 * {@link Peer#finish} ends every RUNNING run (failing those whose display name contains "fail", on their first
 * attempt only) and every CANCELING one (as FAILED, the way a terminated Argo workflow ends).
 *
 * <p>Ids the servers choose differ; each peer keeps aliases for them ({@code exp}, {@code version:args},
 * {@code node:<run alias>/train}), which requests name as {@code ${alias}} and responses are rewritten to.
 */
final class DifferentialPeers {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration PENDING = Duration.ofSeconds(5);
  static final Duration RUNNING = Duration.ofSeconds(60);
  static final String FAILED_STEP = "train";
  static final String FAILED_LOG = "Traceback (most recent call last):\nRuntimeError: simulated failure\n";
  static final String TERMINATED_STEP = "main";
  static final String TERMINATED_LOG =
      "Error: pod was terminated: the run was terminated (activeDeadlineSeconds: 0)\n";

  private DifferentialPeers() {}

  /** One HTTP answer: status and body (a JSON object, or a text node when the body is not JSON). */
  record Answer(int status, JsonNode body) {}

  /** One server of the pair. */
  abstract static class Peer implements AutoCloseable {

    final String name;
    final Map<String, String> ids = new HashMap<>();
    final Set<String> runIds = new LinkedHashSet<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Peer(String name) {
      this.name = name;
    }

    abstract URI baseUrl();

    abstract void createExperiment(String alias);

    abstract void archiveExperiment(String alias);

    abstract void unarchiveExperiment(String alias);

    /** Registers a pipeline with one version; aliases {@code pipeline:<alias>} and {@code version:<alias>}. */
    abstract void uploadPipeline(String alias, String yaml);

    /** Every PENDING run starts RUNNING. */
    abstract void start();

    /** Every RUNNING run ends; CANCELING runs end FAILED. */
    abstract void finish();

    /** The node id read_artifact knows the failed step of this run by. */
    abstract String failedNode(String runId, String step);

    /** A successful retry: the next attempt of that run succeeds. */
    void retried(String runId) {}

    /** A successful terminate. */
    void terminated(String runId) {}

    String id(String alias) {
      String id = ids.get(alias);
      if (id == null) {
        throw new IllegalArgumentException(name + " has no id for alias " + alias);
      }
      return id;
    }

    /** Replaces each {@code ${alias}} with this peer's id for it. */
    String resolve(String template) {
      StringBuilder out = new StringBuilder();
      int at = 0;
      while (true) {
        int open = template.indexOf("${", at);
        if (open < 0) {
          return out.append(template.substring(at)).toString();
        }
        int close = template.indexOf('}', open);
        out.append(template, at, open);
        String alias = template.substring(open + 2, close);
        out.append(alias.startsWith("node:") ? failedNodeOf(alias) : id(alias));
        at = close + 1;
      }
    }

    private String failedNodeOf(String alias) {
      String[] parts = alias.substring("node:".length()).split("/", 2);
      return failedNode(id(parts[0]), parts[1]);
    }

    Answer send(String method, String pathAndQuery, String body) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery))
          .timeout(Duration.ofSeconds(10));
      if (body != null) {
        request.header("Content-Type", "application/json");
      }
      request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofString(body));
      try {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), parse(response.body()));
      } catch (IOException e) {
        throw new UncheckedIOException(name + ": " + method + " " + pathAndQuery, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** The run's state as this server tells it, or null when the run is gone. */
    String stateOf(String runId) {
      Answer answer = send("GET", "/apis/v2beta1/runs/" + runId, null);
      return answer.status() == 200 ? answer.body().path("state").asText() : null;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static JsonNode parse(String body) {
    if (body.isBlank()) {
      return JSON.getNodeFactory().textNode("");
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(body);
    }
  }

  static String resource(String path) {
    try (var in = DifferentialPeers.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The simulator, on a manual clock whose steps are the phase durations. */
  static final class SimulatorPeer extends Peer {

    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final KfpSimulator simulator;

    SimulatorPeer() {
      super("simulator");
      simulator = KfpSimulator.builder().clock(clock)
          .timing(new Timing(PENDING, RUNNING, Duration.ofSeconds(3)))
          .outcomeRule(OutcomeRule.failWhenNameContains("fail").thenSucceedOnRetry())
          .start();
      simulator.setReadArtifactApi(ReadArtifactApi.HTTP_HANDLER);
      simulator.defaultExperimentId().ifPresent(id -> ids.put("default", id));
    }

    @Override
    URI baseUrl() {
      return simulator.baseUrl();
    }

    @Override
    void createExperiment(String alias) {
      ids.put(alias, simulator.registerExperiment(alias, "").experimentId());
    }

    @Override
    void archiveExperiment(String alias) {
      simulator.archiveExperiment(id(alias));
    }

    @Override
    void unarchiveExperiment(String alias) {
      simulator.unarchiveExperiment(id(alias));
    }

    @Override
    void uploadPipeline(String alias, String yaml) {
      PipelineVersion version = simulator.registerPipeline(alias, yaml);
      ids.put("pipeline:" + alias, version.pipelineId());
      ids.put("version:" + alias, version.pipelineVersionId());
    }

    @Override
    void start() {
      clock.advance(PENDING);
    }

    @Override
    void finish() {
      clock.advance(RUNNING);
    }

    /** The pod of the failed task, from the run's task details (KFP 2.17 takes a pod name as node id). */
    @Override
    String failedNode(String runId, String step) {
      JsonNode tasks = send("GET", "/apis/v2beta1/runs/" + runId, null).body()
          .path("run_details").path("task_details");
      for (JsonNode task : tasks) {
        if (task.path("display_name").asText().equals(step)) {
          return task.path("child_tasks").path(0).path("pod_name").asText();
        }
      }
      throw new IllegalStateException("the simulator's run " + runId + " has no failed task " + step);
    }

    @Override
    public void close() {
      simulator.close();
    }
  }

  /** KFP's own server; a run's phases are reported through the test server's control endpoint. */
  static final class KfpPeer extends Peer {

    private final KfpTestServer server;
    private final Map<String, Integer> attempts = new HashMap<>();
    private final Map<String, Map<String, String>> failedNodes = new HashMap<>();

    KfpPeer() {
      super("kfp-2.17");
      server = KfpTestServer.start();
    }

    @Override
    URI baseUrl() {
      return server.baseUrl();
    }

    @Override
    void createExperiment(String alias) {
      Answer answer = send("POST", "/apis/v2beta1/experiments", "{\"display_name\":\"" + alias + "\"}");
      ids.put(alias, required(answer, "experiment_id", "create experiment " + alias));
    }

    @Override
    void archiveExperiment(String alias) {
      required(send("POST", "/apis/v2beta1/experiments/" + id(alias) + ":archive", null), null, "archive " + alias);
    }

    @Override
    void unarchiveExperiment(String alias) {
      required(send("POST", "/apis/v2beta1/experiments/" + id(alias) + ":unarchive", null), null,
          "unarchive " + alias);
    }

    /** Through KFP's own upload handler, as the KFP SDK uploads a compiled pipeline. */
    @Override
    void uploadPipeline(String alias, String yaml) {
      String pipelineId = parse(server.uploadPipeline(alias, yaml)).path("pipeline_id").asText();
      ids.put("pipeline:" + alias, pipelineId);
      Answer versions = send("GET", "/apis/v2beta1/pipelines/" + pipelineId + "/versions", null);
      ids.put("version:" + alias, versions.body().path("pipeline_versions").path(0)
          .path("pipeline_version_id").asText());
    }

    @Override
    void start() {
      for (String runId : runIds) {
        if ("PENDING".equals(stateOf(runId))) {
          report(runId, "Running", null);
        }
      }
    }

    @Override
    void finish() {
      for (String runId : runIds) {
        String state = stateOf(runId);
        if ("RUNNING".equals(state)) {
          String displayName = send("GET", "/apis/v2beta1/runs/" + runId, null).body().path("display_name")
              .asText();
          boolean fails = displayName.contains("fail") && attempts.getOrDefault(runId, 1) == 1;
          if (fails) {
            report(runId, "Failed", KfpTestServer.failedStep(FAILED_STEP, FAILED_LOG));
          } else {
            report(runId, "Succeeded", null);
          }
        } else if ("CANCELING".equals(state)) {
          report(runId, "Failed", KfpTestServer.failedStep(TERMINATED_STEP, TERMINATED_LOG));
        }
      }
    }

    private void report(String runId, String phase, String failedSteps) {
      JsonNode answer = parse(server.reportPhase(runId, phase, failedSteps));
      if (answer.path("report_status").asInt() != 200) {
        throw new IllegalStateException("KFP refused the report of " + phase + " for run " + runId + ": " + answer);
      }
      answer.path("nodes").fields().forEachRemaining(node ->
          failedNodes.computeIfAbsent(runId, r -> new HashMap<>()).put(node.getKey(), node.getValue().asText()));
    }

    @Override
    String failedNode(String runId, String step) {
      String node = failedNodes.getOrDefault(runId, Map.of()).get(step);
      if (node == null) {
        throw new IllegalStateException("no failed step " + step + " was reported for run " + runId);
      }
      return node;
    }

    /**
     * The terminate patched the workflow (activeDeadlineSeconds: 0); the persistence agent sees that change and
     * reports the workflow, still in its phase, which KFP records as CANCELING.
     */
    @Override
    void terminated(String runId) {
      report(runId, "", null);
    }

    @Override
    void retried(String runId) {
      attempts.merge(runId, 2, (a, b) -> a + 1);
      failedNodes.remove(runId);
    }

    private String required(Answer answer, String field, String what) {
      if (answer.status() != 200) {
        throw new IllegalStateException(name + ": " + what + " failed: " + answer.status() + " " + answer.body());
      }
      return field == null ? "" : answer.body().path(field).asText();
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** A pipeline spec as JSON text (for inline-spec runs), from a YAML resource. */
  static ObjectNode specJson(String yaml) {
    try {
      return (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
