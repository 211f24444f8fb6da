package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The root input parameters a compiled pipeline (KFP IR) declares, and the check KFP makes at create time
 * that the run's parameters fit them.
 */
final class PipelineInputs {

  private final JsonNode declared;

  private PipelineInputs(JsonNode declared) {
    this.declared = declared;
  }

  /**
   * Reads the IR, either bare or wrapped as {@code {"pipeline_spec": ..., "platform_spec": ...}}.
   *
   * @throws ApiError 500, as KFP reports an unusable spec
   */
  static PipelineInputs of(JsonNode spec, String context) {
    JsonNode ir = spec.has("pipeline_spec") && spec.get("pipeline_spec").isObject() ? spec.get("pipeline_spec") : spec;
    JsonNode root = ir.get("root");
    if (root == null || !root.isObject()) {
      throw ApiError.internal(context, "Failed to create a run due to invalid pipeline spec: "
          + "invalid v2 pipeline spec: root component (root) is missing");
    }
    JsonNode parameters = root.path("inputDefinitions").path("parameters");
    return new PipelineInputs(parameters.isObject() ? parameters : RunJson.NODES.objectNode());
  }

  /** @throws ApiError 400 for a missing required, undeclared or wrongly typed parameter */
  void validate(Map<String, JsonNode> given, String context) {
    for (Map.Entry<String, JsonNode> parameter : given.entrySet()) {
      JsonNode definition = declared.get(parameter.getKey());
      if (definition == null) {
        throw ApiError.invalidInput(context, "parameter '" + parameter.getKey()
            + "' is not declared by the pipeline's root inputDefinitions");
      }
      String type = definition.path("parameterType").asText("");
      if (type.equals("TASK_FINAL_STATUS")) {
        throw ApiError.invalidInput(context, "input parameter '" + parameter.getKey()
            + "' of type TASK_FINAL_STATUS cannot be a pipeline (root) input");
      }
      if (!fits(type, parameter.getValue())) {
        throw ApiError.invalidInput(context, "input parameter '" + parameter.getKey() + "' requires type "
            + type + " but the value is " + kind(parameter.getValue()) + ": " + parameter.getValue());
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = declared.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> definition = it.next();
      boolean optional = definition.getValue().path("isOptional").asBoolean(false)
          || definition.getValue().has("defaultValue");
      if (!optional && !given.containsKey(definition.getKey())) {
        throw ApiError.invalidInput(context, "pipeline requires input parameter '" + definition.getKey()
            + "' (not optional, no default) but the run does not set it");
      }
    }
  }

  private static boolean fits(String type, JsonNode value) {
    return switch (type) {
      case "STRING" -> value.isTextual();
      case "NUMBER_INTEGER", "NUMBER_DOUBLE" -> value.isNumber();
      case "BOOLEAN" -> value.isBoolean();
      case "LIST" -> value.isArray();
      case "STRUCT" -> value.isObject();
      default -> true;
    };
  }

  private static String kind(JsonNode value) {
    return switch (value.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a bool";
      case ARRAY -> "a list";
      case OBJECT -> "a struct";
      default -> "null";
    };
  }
}
