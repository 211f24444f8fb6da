package dev.kfp.operator.simulator;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * KFP's wire format for runs (grpc-gateway v2 + protojson): snake_case out, both spellings in, unknown fields
 * rejected, empty values omitted, whole-second RFC 3339 timestamps, int64 as strings.
 */
final class RunJson {

  static final ObjectMapper MAPPER = new ObjectMapper(new JsonFactoryBuilder()
      .addDecorator(new ProtoJsonDoubles())
      .build());
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String EPOCH = "1970-01-01T00:00:00Z";
  private static final double MAX_EXACT_INTEGER = 9007199254740992d;

  private RunJson() {}

  static String timestamp(Instant instant) {
    return instant == null ? EPOCH : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  static ObjectNode render(StoredRun run) {
    ObjectNode json = NODES.objectNode();
    json.put("experiment_id", run.experimentId);
    json.put("run_id", run.runId);
    json.put("display_name", run.displayName);
    json.put("storage_state", run.storageState.name());
    putIfNotEmpty(json, "description", run.description);
    if (run.pipelineSpec != null) {
      json.set("pipeline_spec", run.pipelineSpec.deepCopy());
    } else {
      ObjectNode reference = json.putObject("pipeline_version_reference");
      putIfNotEmpty(reference, "pipeline_id", run.pipelineId);
      putIfNotEmpty(reference, "pipeline_version_id", run.pipelineVersionId);
    }
    if (!run.parameters.isEmpty() || !run.pipelineRoot.isEmpty()) {
      ObjectNode config = json.putObject("runtime_config");
      if (!run.parameters.isEmpty()) {
        ObjectNode parameters = config.putObject("parameters");
        run.parameters.forEach((name, value) -> parameters.set(name, value.deepCopy()));
      }
      putIfNotEmpty(config, "pipeline_root", run.pipelineRoot);
    }
    putIfNotEmpty(json, "service_account", run.serviceAccount);
    json.put("created_at", timestamp(run.createdAt));
    json.put("scheduled_at", timestamp(run.createdAt));
    json.put("finished_at", timestamp(run.finishedAt));
    json.put("state", run.state.name());
    if (run.failure != null) {
      json.set("run_details", runDetails(run));
    }
    putIfNotEmpty(json, "recurring_run_id", run.recurringRunId);
    ArrayNode history = json.putArray("state_history");
    for (StoredRun.StateChange change : run.history) {
      history.addObject().put("update_time", timestamp(change.at())).put("state", change.state().name());
    }
    if (run.pluginsInput != null && !run.pluginsInput.isEmpty()) {
      json.set("plugins_input", run.pluginsInput.deepCopy());
    }
    return json;
  }

  private static ObjectNode runDetails(StoredRun run) {
    StoredRun.Failure failure = run.failure;
    ObjectNode details = NODES.objectNode();
    details.put("pipeline_context_id", Long.toString(run.contextId * 2));
    details.put("pipeline_run_context_id", Long.toString(run.contextId * 2 + 1));
    ArrayNode tasks = details.putArray("task_details");
    ObjectNode root = tasks.addObject();
    root.put("run_id", run.runId);
    root.put("task_id", failure.rootTaskId());
    root.put("display_name", run.workflowName());
    taskTimes(root, failure);
    ArrayNode rootChildren = root.putArray("child_tasks");
    for (StoredRun.FailedNode node : failure.nodes()) {
      rootChildren.addObject().put("task_id", node.taskId());
      ObjectNode failed = tasks.addObject();
      failed.put("run_id", run.runId);
      failed.put("task_id", node.taskId());
      failed.put("display_name", node.task());
      taskTimes(failed, failure);
      failed.put("parent_task_id", failure.rootTaskId());
      ArrayNode pods = failed.putArray("child_tasks");
      pods.addObject().put("pod_name", node.podName());
      pods.addObject().put("pod_name", node.driverPodName());
    }
    return details;
  }

  private static void taskTimes(ObjectNode task, StoredRun.Failure failure) {
    task.put("create_time", timestamp(failure.startedAt()));
    task.put("start_time", timestamp(failure.startedAt()));
    task.put("end_time", timestamp(failure.finishedAt()));
    task.put("state", RunState.FAILED.name());
  }

  private static void putIfNotEmpty(ObjectNode json, String field, String value) {
    if (value != null && !value.isEmpty()) {
      json.put(field, value);
    }
  }

  // ---- input ----

  /** Parses a JSON body the way the gateway does; an empty body is an empty message. */
  static ObjectNode parseObject(byte[] body) {
    if (body.length == 0) {
      return NODES.objectNode();
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiError.gateway("proto: syntax error: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw ApiError.gateway("proto: " + e.getMessage());
    }
    if (node == null || node.isMissingNode()) {
      return NODES.objectNode();
    }
    if (!node.isObject()) {
      throw ApiError.gateway("proto: syntax error: unexpected token " + node);
    }
    return (ObjectNode) node;
  }

  /**
   * The fields of one message: canonical (proto) name to value, with lowerCamel accepted, nulls dropped, and
   * unknown or duplicate fields rejected like protojson does.
   */
  static Map<String, JsonNode> fields(ObjectNode json, String messageName, List<String> protoNames) {
    Map<String, String> accepted = new HashMap<>();
    for (String name : protoNames) {
      accepted.put(name, name);
      accepted.put(lowerCamel(name), name);
    }
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = accepted.get(field.getKey());
      if (name == null) {
        throw ApiError.gateway("proto: unknown field \"" + field.getKey() + "\" in " + messageName);
      }
      if (fields.containsKey(name)) {
        throw ApiError.gateway("proto: duplicate field \"" + field.getKey() + "\" in " + messageName);
      }
      if (!field.getValue().isNull()) {
        fields.put(name, field.getValue());
      }
    }
    return fields;
  }

  static String lowerCamel(String snake) {
    StringBuilder camel = new StringBuilder();
    boolean upper = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        camel.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return camel.toString();
  }

  static String string(Map<String, JsonNode> fields, String name) {
    JsonNode value = fields.get(name);
    if (value == null) {
      return "";
    }
    if (!value.isTextual()) {
      throw ApiError.gateway("proto: invalid value for string field " + name + ": " + value);
    }
    return value.asText();
  }

  static ObjectNode object(Map<String, JsonNode> fields, String name) {
    JsonNode value = fields.get(name);
    if (value == null) {
      return null;
    }
    if (!value.isObject()) {
      throw ApiError.gateway("proto: invalid value for message field " + name + ": " + value);
    }
    return (ObjectNode) value;
  }

  static void checkTimestamp(Map<String, JsonNode> fields, String name) {
    String value = string(fields, name);
    if (!value.isEmpty()) {
      try {
        OffsetDateTime.parse(value);
      } catch (DateTimeParseException e) {
        throw ApiError.gateway("proto: invalid google.protobuf.Timestamp value for " + name + ": " + value);
      }
    }
  }

  static <E extends Enum<E>> E enumValue(Map<String, JsonNode> fields, String name, Class<E> type,
      List<String> namesByNumber) {
    JsonNode value = fields.get(name);
    if (value == null) {
      return null;
    }
    String text = value.isIntegralNumber() && value.asInt() >= 0 && value.asInt() < namesByNumber.size()
        ? namesByNumber.get(value.asInt()) : value.asText();
    if (!namesByNumber.contains(text) || !value.isTextual() && !value.isIntegralNumber()) {
      throw ApiError.gateway("proto: invalid value for enum field " + name + ": " + value);
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(text)) {
        return constant;
      }
    }
    return null;
  }

  /**
   * google.protobuf.Value numbers are doubles, written as protojson writes them: integral values without a
   * fraction, and no exponent below 1e21 ({@link ProtoJsonDoubles}, which {@link #MAPPER} writes with).
   */
  static JsonNode normalizeValue(JsonNode value) {
    if (value.isNumber()) {
      double d = value.asDouble();
      if (d == Math.rint(d) && Math.abs(d) < MAX_EXACT_INTEGER && (d != 0 || 1 / d > 0)) {
        return NODES.numberNode((long) d);
      }
      return NODES.numberNode(d);
    }
    if (value.isArray()) {
      ArrayNode array = NODES.arrayNode();
      value.forEach(item -> array.add(normalizeValue(item)));
      return array;
    }
    if (value.isObject()) {
      ObjectNode object = NODES.objectNode();
      value.fields().forEachRemaining(e -> object.set(e.getKey(), normalizeValue(e.getValue())));
      return object;
    }
    return value.deepCopy();
  }
}
