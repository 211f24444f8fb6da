package dev.kfp.operator.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.peers.KfpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * KFP's test server as the end-to-end tier sees it, through its Service {@code ml-pipeline} in the cluster: what KFP
 * itself holds (every run, archived ones too, with its state, storage state and state history), the pipelines a user
 * uploads, and the control endpoint that moves a run's workflow as Argo and KFP's persistence agent would.
 */
final class KfpInCluster {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** The operator's marker, the last line of the description of every run it creates (docs/developing/exactly-once.md). */
  private static final Pattern MARKER = Pattern.compile("\\[kfp-run-operator (\\S+)/(\\S+) uid=(\\S+)]$");

  /** A Run as a KFP run's marker names it. */
  record Owner(String namespace, String name, String uid) {}

  private final URI baseUrl;
  private final KfpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** {@code hostAndPort}: the Service's ClusterIP and port, which this machine reaches (kube-proxy's rules). */
  KfpInCluster(String hostAndPort) {
    baseUrl = URI.create("http://" + hostAndPort);
    server = KfpServer.at(baseUrl);
  }

  /** Uploads a compiled pipeline under {@code name}, as the KFP SDK does, and returns its pipeline id. */
  String upload(String name, String yaml) {
    return KfpServer.field(server.uploadPipeline(name, yaml), "pipeline_id");
  }

  /** Moves the run's workflow to {@code phase} and reports it through KFP's report service. */
  void report(String runId, String phase) {
    JsonNode answer = json(server.reportPhase(runId, phase, null));
    if (answer.path("report_status").asInt() != 200) {
      throw new AssertionError("KFP refused the report of run " + runId + " as " + phase + ": " + answer);
    }
  }

  /** Every run KFP holds, archived ones too, page by page. */
  List<JsonNode> runs() {
    List<JsonNode> runs = new ArrayList<>();
    String token = "";
    do {
      JsonNode page = json(get("/apis/v2beta1/runs?page_size=100"
          + (token.isEmpty() ? "" : "&page_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))).body());
      page.path("runs").forEach(runs::add);
      token = page.path("next_page_token").asText("");
    } while (!token.isEmpty());
    return runs;
  }

  /** The KFP runs whose marker names a Run in {@code namespace}. */
  List<JsonNode> runsOfNamespace(String namespace) {
    return runs().stream().filter(run -> owner(run).map(o -> o.namespace().equals(namespace)).orElse(false))
        .toList();
  }

  /** The KFP runs whose marker names the Run {@code namespace/name}. */
  List<JsonNode> runsOf(String namespace, String name) {
    return runsOfNamespace(namespace).stream().filter(run -> owner(run).orElseThrow().name().equals(name)).toList();
  }

  /** The run as KFP holds it, or empty when KFP answers 404. */
  Optional<JsonNode> run(String runId) {
    HttpResponse<String> answer = get("/apis/v2beta1/runs/" + runId);
    if (answer.statusCode() == 404) {
      return Optional.empty();
    }
    if (answer.statusCode() != 200) {
      throw new AssertionError("GET run " + runId + " answered " + answer.statusCode() + ": " + answer.body());
    }
    return Optional.of(json(answer.body()));
  }

  /** The Run the operator created {@code run} for, from the marker in its description. */
  static Optional<Owner> owner(JsonNode run) {
    Matcher marker = MARKER.matcher(run.path("description").asText("").strip());
    return marker.find() ? Optional.of(new Owner(marker.group(1), marker.group(2), marker.group(3)))
        : Optional.empty();
  }

  /** KFP's state history of the run, oldest first. */
  static List<String> stateHistory(JsonNode run) {
    List<String> states = new ArrayList<>();
    run.path("state_history").forEach(entry -> states.add(entry.path("state").asText()));
    return states;
  }

  private HttpResponse<String> get(String path) {
    try {
      return http.send(HttpRequest.newBuilder(baseUrl.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + baseUrl.resolve(path), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted: GET " + path, e);
    }
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
