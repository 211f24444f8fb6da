package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.contract.KfpOpenApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Raw HTTP against a simulator, the way any KFP client talks to KFP. Every response to a documented runs
 * path is checked against KFP's OpenAPI document.
 */
final class SimulatorHttp {

  static final ObjectMapper JSON = new ObjectMapper();

  /** One exchange's outcome. */
  record Reply(int status, JsonNode body, HttpResponse<String> raw) {

    String shortMessage() {
      return body.path("details").path(0).path("message").asText();
    }

    int code() {
      return body.path("code").asInt();
    }
  }

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;
  private String token;
  private boolean validate = true;

  SimulatorHttp(KfpSimulator simulator) {
    this.base = simulator.baseUrl();
  }

  /**
   * Skips the OpenAPI check of responses, for answers KFP's document does not describe: read_artifact of
   * KFP ≥ 2.15 and deliberately broken artifacts.
   */
  SimulatorHttp unvalidated() {
    this.validate = false;
    return this;
  }

  SimulatorHttp withToken(String token) {
    this.token = token;
    return this;
  }

  Reply get(String path) {
    return call("GET", path, null);
  }

  Reply post(String path, String body) {
    return call("POST", path, body);
  }

  Reply delete(String path) {
    return call("DELETE", path, null);
  }

  Reply call(String method, String path, String body) {
    try {
      return send(method, path, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Like {@link #call} but lets transport failures through, for fault tests. */
  Reply send(String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    if (validate && documented(method, path)) {
      KfpOpenApi.assertValidResponse(method, path, response.statusCode(), response.body());
    }
    return new Reply(response.statusCode(), json, response);
  }

  private static boolean documented(String method, String path) {
    return path.startsWith("/apis/v2beta1/runs") && List.of("GET", "POST", "DELETE").contains(method)
        || path.startsWith("/apis/v2beta1/pipelines/") && method.equals("GET");
  }

  static String query(String name, String value) {
    return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
