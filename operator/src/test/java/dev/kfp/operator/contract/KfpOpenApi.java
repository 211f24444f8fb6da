package dev.kfp.operator.contract;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * KFP's own OpenAPI document for the runs service, as a validator of HTTP exchanges.
 *
 * <p>The current document (KFP master) is used, with the read_artifact operation and every definition it
 * refers to taken from the 2.14.3 document (later releases still serve it but dropped it from the file), and
 * the two reads of the pipeline service the operator makes (GetPipelineByName, ListPipelineVersions) from the
 * current document of all services.
 * Three adjustments, all stricter or neutral: {@code additionalProperties: {}} and a bare
 * {@code type: object} (free JSON such as {@code pipeline_spec}) get {@code additionalProperties: true} (the
 * validator misreads both), and every object schema that lists properties but says nothing about others gets
 * {@code additionalProperties: false}, because KFP (2.14 and later) rejects unknown request fields and a
 * faithful server sends none.
 */
public final class KfpOpenApi {

  private static final String READ_ARTIFACT_PATH =
      "/apis/v2beta1/runs/{run_id}/nodes/{node_id}/artifacts/{artifact_name}:read";
  /** The pipeline service's reads the operator makes, from the document of all services. */
  private static final List<String> PIPELINE_READS = List.of("/apis/v2beta1/pipelines/names/{name}",
      "/apis/v2beta1/pipelines/{pipeline_id}/versions");
  private static final String DEFINITIONS = "#/definitions/";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OpenApiInteractionValidator VALIDATOR = load();

  private KfpOpenApi() {}

  private static OpenApiInteractionValidator load() {
    ObjectNode current = read("/kfp/openapi/run.swagger.json");
    ObjectNode release214 = read("/kfp/openapi/release-2.14.3/run.swagger.json");
    JsonNode readArtifact = release214.get("paths").get(READ_ARTIFACT_PATH);
    ((ObjectNode) current.get("paths")).set(READ_ARTIFACT_PATH, readArtifact);
    copyReferencedDefinitions(readArtifact, (ObjectNode) release214.get("definitions"),
        (ObjectNode) current.get("definitions"), Set.of());
    ObjectNode allServices = read("/kfp/openapi/kfp_api_single_file.swagger.json");
    for (String path : PIPELINE_READS) {
      ObjectNode get = JSON.createObjectNode().set("get", allServices.get("paths").get(path).get("get"));
      ((ObjectNode) current.get("paths")).set(path, get);
      // The merged document's protobufAny also lists fields of another service's Any; the runs document's stays.
      copyReferencedDefinitions(get, (ObjectNode) allServices.get("definitions"),
          (ObjectNode) current.get("definitions"), Set.of("protobufAny"));
    }
    tighten(current.get("definitions"));
    LevelResolver levels = LevelResolver.create()
        .withLevel("validation.request.security.missing", ValidationReport.Level.IGNORE)
        .build();
    return OpenApiInteractionValidator.createForInlineApiSpecification(current.toString())
        .withLevelResolver(levels)
        .build();
  }

  /**
   * Copies every definition {@code node} refers to, and those they refer to, from one document into the
   * other. The 2.14.3 document names the error schema {@code googlerpcStatus} where the current one says
   * {@code googleRpcStatus}, so read_artifact's errors need their own copy. A name both documents define must
   * mean the same schema in both, else validation would depend on which copy won.
   */
  private static void copyReferencedDefinitions(JsonNode node, ObjectNode from, ObjectNode to,
      Set<String> keepExisting) {
    Deque<JsonNode> pending = new ArrayDeque<>(List.of(node));
    while (!pending.isEmpty()) {
      JsonNode next = pending.pop();
      JsonNode ref = next.get("$ref");
      if (ref != null && ref.asText().startsWith(DEFINITIONS)) {
        String name = ref.asText().substring(DEFINITIONS.length());
        JsonNode definition = from.get(name);
        if (definition == null) {
          throw new IllegalStateException("the 2.14.3 document refers to an undefined " + ref.asText());
        }
        JsonNode existing = to.get(name);
        if (existing == null) {
          to.set(name, definition.deepCopy());
          pending.push(definition);
        } else if (!existing.equals(definition) && !keepExisting.contains(name)) {
          throw new IllegalStateException("both documents define " + name + ", differently");
        }
      }
      next.forEach(pending::push);
    }
  }

  private static ObjectNode read(String resource) {
    try (InputStream in = KfpOpenApi.class.getResourceAsStream(resource)) {
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void tighten(JsonNode node) {
    if (node instanceof ObjectNode object) {
      JsonNode additional = object.get("additionalProperties");
      if (additional != null && additional.isObject() && additional.isEmpty()) {
        object.set("additionalProperties", BooleanNode.TRUE);
      } else if (additional == null && object.has("properties")) {
        object.set("additionalProperties", BooleanNode.FALSE);
      } else if (additional == null && "object".equals(object.path("type").asText())) {
        // A bare {type: object} (a protobuf Struct such as pipeline_spec) is free JSON; the validator would
        // otherwise reject every property in it.
        object.set("additionalProperties", BooleanNode.TRUE);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        tighten(it.next().getValue());
      }
    } else if (node != null && node.isArray()) {
      node.forEach(KfpOpenApi::tighten);
    }
  }

  /** Validates a request as a client sent it: method, path with query, JSON body (or null). */
  public static ValidationReport validateRequest(String method, String pathAndQuery, String jsonBody) {
    return VALIDATOR.validateRequest(request(method, pathAndQuery, jsonBody));
  }

  /** Validates a response against the operation the request names. */
  public static ValidationReport validateResponse(String method, String path, int status, String jsonBody) {
    SimpleResponse.Builder response = SimpleResponse.Builder.status(status)
        .withContentType("application/json");
    if (jsonBody != null) {
      response.withBody(jsonBody);
    }
    return VALIDATOR.validateResponse(URI.create(path).getPath(), Request.Method.valueOf(method.toUpperCase()),
        response.build());
  }

  /** Throws an AssertionError listing every problem when the request does not match the document. */
  public static void assertValidRequest(String method, String pathAndQuery, String jsonBody) {
    failOnErrors("request " + method + " " + pathAndQuery, validateRequest(method, pathAndQuery, jsonBody));
  }

  /** Throws an AssertionError listing every problem when the response does not match the document. */
  public static void assertValidResponse(String method, String path, int status, String jsonBody) {
    failOnErrors("response " + status + " to " + method + " " + path,
        validateResponse(method, path, status, jsonBody));
  }

  private static void failOnErrors(String what, ValidationReport report) {
    if (report.hasErrors()) {
      String problems = report.getMessages().stream()
          .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
          .map(m -> m.getKey() + ": " + m.getMessage())
          .collect(Collectors.joining("\n  "));
      throw new AssertionError(what + " does not match KFP's OpenAPI document:\n  " + problems);
    }
  }

  private static Request request(String method, String pathAndQuery, String jsonBody) {
    URI uri = URI.create(pathAndQuery);
    SimpleRequest.Builder builder = new SimpleRequest.Builder(method.toUpperCase(), uri.getPath());
    if (uri.getRawQuery() != null) {
      for (String pair : uri.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1),
            java.nio.charset.StandardCharsets.UTF_8);
        builder.withQueryParam(name, value);
      }
    }
    if (jsonBody != null) {
      builder.withContentType("application/json").withBody(jsonBody);
    }
    return builder.build();
  }
}
