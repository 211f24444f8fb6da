package dev.kfp.operator.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes v1.35 object schemas (src/test/resources/k8s-openapi, see SOURCE.md there), tightened for tests:
 * an object type with declared properties refuses others (so a misspelt or misplaced field fails), and
 * int-or-string and quantity fields take numbers as the API server does.
 */
final class KubernetesSchemas {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> NUMBER_OR_STRING = Set.of("io.k8s.apimachinery.pkg.util.intstr.IntOrString",
      "io.k8s.apimachinery.pkg.api.resource.Quantity");
  /** Free-form by design: the CRD's own schema language, and raw extension objects. */
  private static final Set<String> OPEN = Set.of("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps",
      "io.k8s.apimachinery.pkg.runtime.RawExtension");

  private final ObjectNode definitions;
  private final Map<String, String> definitionByKind = new HashMap<>();
  private final Map<String, JsonSchema> schemas = new HashMap<>();
  private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);

  KubernetesSchemas() {
    try (InputStream in = KubernetesSchemas.class.getResourceAsStream("/k8s-openapi/kubernetes-1.35.0-definitions.json")) {
      definitions = (ObjectNode) JSON.readTree(in).get("definitions");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    definitions.fields().forEachRemaining(entry -> {
      String name = entry.getKey();
      ObjectNode definition = (ObjectNode) entry.getValue();
      if (NUMBER_OR_STRING.contains(name)) {
        definition.remove("format");
        definition.set("type", JSON.createArrayNode().add("string").add("number"));
      } else if (definition.has("properties") && !definition.has("additionalProperties") && !OPEN.contains(name)) {
        definition.put("additionalProperties", false);
      }
      JsonNode gvks = definition.path("x-kubernetes-group-version-kind");
      for (JsonNode gvk : gvks) {
        String group = gvk.path("group").asText();
        String apiVersion = group.isEmpty() ? gvk.path("version").asText() : group + "/" + gvk.path("version").asText();
        definitionByKind.put(apiVersion + " " + gvk.path("kind").asText(), name);
      }
    });
  }

  boolean knows(JsonNode object) {
    return definitionByKind.containsKey(key(object));
  }

  /** The schema violations of one object, each with its JSON path; empty when it is valid. */
  List<String> violations(JsonNode object) {
    String key = key(object);
    String definition = definitionByKind.get(key);
    if (definition == null) {
      return List.of("no Kubernetes schema for " + key);
    }
    JsonSchema schema = schemas.computeIfAbsent(definition, name -> {
      ObjectNode root = JSON.createObjectNode();
      root.put("$ref", "#/definitions/" + name);
      root.set("definitions", definitions);
      SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().build();
      return factory.getSchema(root, config);
    });
    return schema.validate(object).stream().map(ValidationMessage::getMessage).sorted().toList();
  }

  private static String key(JsonNode object) {
    return object.path("apiVersion").asText() + " " + object.path("kind").asText();
  }
}
