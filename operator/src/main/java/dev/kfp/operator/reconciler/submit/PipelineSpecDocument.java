package dev.kfp.operator.reconciler.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A compiled KFP pipeline (the IR, optionally followed by a Kubernetes platform spec) and the checks KFP
 * would make at create time on the run's parameters against the pipeline's root inputs.
 */
public final class PipelineSpecDocument {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final ObjectNode pipelineSpec;
  private final ObjectNode platformSpec;

  private PipelineSpecDocument(ObjectNode pipelineSpec, ObjectNode platformSpec) {
    this.pipelineSpec = pipelineSpec;
    this.platformSpec = platformSpec;
  }

  /**
   * Reads the inline form: either the IR object itself or KFP's wrapped form
   * {@code {pipeline_spec: ..., platform_spec: ...}}.
   */
  public static PipelineSpecDocument fromObject(JsonNode node, String where) throws InvalidSpecException {
    if (node == null || !node.isObject()) {
      throw new InvalidSpecException(where + " must be a compiled pipeline (a YAML/JSON object), not "
          + (node == null ? "empty" : node.getNodeType().toString().toLowerCase()));
    }
    if (node.has("pipeline_spec")) {
      JsonNode platform = node.get("platform_spec");
      return checked(node.get("pipeline_spec"), platform != null && platform.isObject() ? (ObjectNode) platform
          : null, where + ".pipeline_spec");
    }
    return checked(node, null, where);
  }

  /** Reads compiled pipeline YAML as the KFP SDK writes it: the IR, then optionally a platform spec document. */
  public static PipelineSpecDocument fromYaml(String yaml, String where) throws InvalidSpecException {
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNextValue()) {
        JsonNode document = it.nextValue();
        if (document != null && !document.isNull() && !document.isMissingNode()) {
          documents.add(document);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new InvalidSpecException(where + " is not valid YAML: " + firstLine(e.getMessage()));
    }
    if (documents.isEmpty()) {
      throw new InvalidSpecException(where + " is empty; it must hold a compiled pipeline (kfp compiler output)");
    }
    if (documents.size() > 2) {
      throw new InvalidSpecException(where + " has " + documents.size()
          + " YAML documents; a compiled pipeline has one, optionally followed by a platform spec");
    }
    JsonNode platform = documents.size() == 2 ? documents.get(1) : null;
    if (platform != null && !platform.isObject()) {
      throw new InvalidSpecException(where + ": the second YAML document (platform spec) must be an object");
    }
    return fromObject(documents.get(0), where).withPlatform((ObjectNode) platform);
  }

  private PipelineSpecDocument withPlatform(ObjectNode platform) {
    return platform == null ? this : new PipelineSpecDocument(pipelineSpec, platform);
  }

  private static PipelineSpecDocument checked(JsonNode node, ObjectNode platform, String where)
      throws InvalidSpecException {
    if (node == null || !node.isObject()) {
      throw new InvalidSpecException(where + " must be a compiled pipeline object");
    }
    List<String> missing = new ArrayList<>();
    for (String field : List.of("pipelineInfo", "root", "schemaVersion")) {
      if (!node.has(field)) {
        missing.add(field);
      }
    }
    if (!missing.isEmpty()) {
      throw new InvalidSpecException(where + " is not a compiled KFP pipeline: it lacks " + String.join(", ", missing)
          + " (compile the pipeline with the KFP SDK v2 and use its YAML output)");
    }
    return new PipelineSpecDocument((ObjectNode) node, platform);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /**
   * This pipeline with {@code cachingOptions.enableCache} set on every task: those of the root DAG and those of
   * every component's DAG (a sub-pipeline or a condition, loop or exit-handler group is a component with a DAG of
   * its own). A task without caching options gets them. The KFP SDK's {@code enable_caching} at submit time
   * ({@code kfp.Client._override_caching_options}) sets the root DAG's tasks only, which leaves the tasks of
   * nested DAGs as compiled; {@code spec.caching} means every task.
   */
  public PipelineSpecDocument withCaching(boolean enableCache) {
    ObjectNode rewritten = pipelineSpec.deepCopy();
    setCaching(rewritten.path("root").path("dag").path("tasks"), enableCache);
    rewritten.path("components").forEach(component -> setCaching(component.path("dag").path("tasks"), enableCache));
    return new PipelineSpecDocument(rewritten, platformSpec);
  }

  private static void setCaching(JsonNode tasks, boolean enableCache) {
    tasks.forEach(task -> {
      if (task.isObject()) {
        JsonNode options = task.get("cachingOptions");
        ObjectNode caching = options != null && options.isObject() ? (ObjectNode) options
            : ((ObjectNode) task).putObject("cachingOptions");
        caching.put("enableCache", enableCache);
      }
    });
  }

  /** The body KFP expects in {@code pipeline_spec}: the IR, or the wrapped form with the platform spec. */
  public ObjectNode toKfpPipelineSpec() {
    if (platformSpec == null) {
      return pipelineSpec.deepCopy();
    }
    ObjectNode wrapped = YAML.createObjectNode();
    wrapped.set("pipeline_spec", pipelineSpec.deepCopy());
    wrapped.set("platform_spec", platformSpec.deepCopy());
    return wrapped;
  }

  /**
   * The problems KFP would report for these parameters (required input missing, undeclared parameter, wrong
   * JSON kind), each naming the parameter and what the pipeline expects.
   */
  public List<String> checkParameters(Map<String, JsonNode> parameters) {
    List<String> problems = new ArrayList<>();
    JsonNode declared = pipelineSpec.path("root").path("inputDefinitions").path("parameters");
    for (Map.Entry<String, JsonNode> given : parameters.entrySet()) {
      JsonNode definition = declared.get(given.getKey());
      if (definition == null) {
        List<String> names = new ArrayList<>();
        declared.fieldNames().forEachRemaining(names::add);
        problems.add("spec.parameters." + given.getKey() + " is not an input of the pipeline (its inputs: "
            + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
        continue;
      }
      String type = definition.path("parameterType").asText("");
      String expected = kindMismatch(type, given.getValue());
      if (expected != null) {
        problems.add("spec.parameters." + given.getKey() + " must be " + expected + " (pipeline type " + type
            + "), got " + describe(given.getValue()));
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = declared.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> input = it.next();
      JsonNode definition = input.getValue();
      boolean optional = definition.path("isOptional").asBoolean(false) || definition.has("defaultValue");
      if (!optional && !parameters.containsKey(input.getKey())) {
        problems.add("spec.parameters." + input.getKey() + " is required by the pipeline (type "
            + definition.path("parameterType").asText("?") + ") and has no default");
      }
    }
    return problems;
  }

  private static String kindMismatch(String type, JsonNode value) {
    JsonNodeType kind = value.getNodeType();
    return switch (type) {
      case "STRING" -> kind == JsonNodeType.STRING ? null : "a string";
      case "NUMBER_INTEGER" -> value.isIntegralNumber() || value.isNumber() && value.asDouble() == Math.rint(
          value.asDouble()) ? null : "an integer";
      case "NUMBER_DOUBLE" -> kind == JsonNodeType.NUMBER ? null : "a number";
      case "BOOLEAN" -> kind == JsonNodeType.BOOLEAN ? null : "true or false";
      case "LIST" -> kind == JsonNodeType.ARRAY ? null : "a list";
      case "STRUCT" -> kind == JsonNodeType.OBJECT ? null : "an object";
      case "TASK_FINAL_STATUS" -> "left out (a task final status is set by KFP, not by the run)";
      default -> null;
    };
  }

  private static String describe(JsonNode value) {
    String text = value.toString();
    return value.getNodeType().toString().toLowerCase() + " " + (text.length() > 40 ? text.substring(0, 40) + "..."
        : text);
  }
}
