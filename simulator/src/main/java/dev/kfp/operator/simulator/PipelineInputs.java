package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
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

  /**
   * KFP's checks, in KFP's order and with KFP's texts: each declared parameter (missing though required, or of
   * the wrong JSON kind), then parameters the pipeline does not declare.
   *
   * @throws ApiError 400
   */
  void validate(Map<String, JsonNode> given, String context) {
    for (Iterator<Map.Entry<String, JsonNode>> it = declared.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> definition = it.next();
      String name = definition.getKey();
      JsonNode value = given.get(name);
      if (value == null) {
        boolean optional = definition.getValue().path("isOptional").asBoolean(false)
            || definition.getValue().has("defaultValue");
        if (!optional) {
          throw ApiError.invalidInput(context, "parameter " + name + " is not optional, yet has neither default "
              + "value nor user provided value");
        }
        continue;
      }
      String type = definition.getValue().path("parameterType").asText("");
      if (type.equals("TASK_FINAL_STATUS")) {
        throw ApiError.invalidInput(context, "input parameter " + name + " requires type TASK_FINAL_STATUS, "
            + "which is invalid for root component");
      }
      if (!fits(type, value)) {
        throw ApiError.invalidInput(context, typeMismatch(name, type));
      }
    }
    List<String> undeclared = given.keySet().stream().filter(name -> !declared.has(name)).toList();
    if (!undeclared.isEmpty()) {
      throw ApiError.invalidInput(context, "parameter(s) provided are not required by pipeline: "
          + String.join(", ", undeclared));
    }
  }

  private static String typeMismatch(String name, String type) {
    return switch (type) {
      case "NUMBER_INTEGER", "NUMBER_DOUBLE" -> "input parameter " + name + " requires type double or integer, "
          + "but the parameter value is not of number value type";
      case "STRING" -> "input parameter " + name + " requires type string, but the input parameter is not of "
          + "string value type";
      case "BOOLEAN" -> "input parameter " + name + " requires type bool, but the input parameter is not of bool "
          + "value type";
      case "LIST" -> "input parameter " + name + " requires type list, but the input parameter is not of list "
          + "value type";
      case "STRUCT" -> "input parameter " + name + " requires type struct, but the input parameter is not of "
          + "struct value type";
      default -> "input parameter " + name + " requires type unknown";
    };
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
}
