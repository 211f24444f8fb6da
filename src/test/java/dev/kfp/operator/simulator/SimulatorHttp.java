package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  SimulatorHttp(KfpSimulator simulator) {
    this.base = simulator.baseUrl();
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
    if (documented(method, path)) {
      KfpOpenApi.assertValidResponse(method, validatedAs(path, response.statusCode()), response.statusCode(),
          withoutFreeFormSpecs(json).toString());
    }
    return new Reply(response.statusCode(), json, response);
  }

  /**
   * The validator flags every member of {@code pipeline_spec} (a free-form {@code type: object} in the
   * document) as an unknown property, so an echoed inline spec is replaced by {@code {}} before validation;
   * everything else is validated as sent.
   */
  private static JsonNode withoutFreeFormSpecs(JsonNode json) {
    JsonNode copy = json.deepCopy();
    if (copy.has("pipeline_spec")) {
      ((ObjectNode) copy).putObject("pipeline_spec");
    }
    copy.path("runs").forEach(run -> {
      if (run.has("pipeline_spec")) {
        ((ObjectNode) run).putObject("pipeline_spec");
      }
    });
    return copy;
  }

  private static boolean documented(String method, String path) {
    return path.startsWith("/apis/v2beta1/runs") && List.of("GET", "POST", "DELETE").contains(method);
  }

  /**
   * The read_artifact operation copied from the 2.14.3 document names its error schema
   * {@code googlerpcStatus}, which the merged document does not define; its errors are the same
   * google.rpc.Status as everywhere, so they are validated as the get-run operation's errors.
   */
  private static String validatedAs(String path, int status) {
    if (status != 200 && path.contains("/nodes/") && path.endsWith(":read")) {
      return "/apis/v2beta1/runs/any";
    }
    return path;
  }

  static String query(String name, String value) {
    return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
