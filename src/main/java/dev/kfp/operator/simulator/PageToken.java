package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A keyset page token as KFP makes it: standard base64 of JSON holding the sort field and direction, the sort
 * value and run id of the next page's first row, and the whole filter. Stateless.
 */
record PageToken(RunOrder order, Object sortValue, String runId, JsonNode filter) {

  String encode() {
    ObjectNode json = RunJson.NODES.objectNode();
    json.put("SortByFieldName", order.sortField());
    if (sortValue instanceof Long number) {
      json.put("SortByFieldValue", number);
    } else {
      json.put("SortByFieldValue", (String) sortValue);
    }
    json.put("KeyFieldName", "UUID");
    json.put("KeyFieldValue", runId);
    json.put("IsDesc", order.descending());
    json.set("Filter", filter);
    return Base64.getEncoder().encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
  }

  static PageToken decode(String token) {
    try {
      JsonNode json = RunJson.MAPPER.readTree(Base64.getDecoder().decode(token));
      JsonNode value = json.get("SortByFieldValue");
      String field = json.get("SortByFieldName").asText();
      RunOrder order = RunOrder.parse(field + (json.get("IsDesc").asBoolean() ? " desc" : " asc"));
      JsonNode filter = json.get("Filter");
      if (value == null || !(value.isTextual() || value.isIntegralNumber()) || filter == null
          || !filter.isObject() || !json.get("KeyFieldValue").isTextual()) {
        throw invalid();
      }
      Object sortValue = value.isTextual() ? value.asText() : (Object) value.asLong();
      return new PageToken(order, sortValue, json.get("KeyFieldValue").asText(), filter);
    } catch (ApiError | IllegalArgumentException | NullPointerException | java.io.IOException e) {
      throw invalid();
    }
  }

  private static ApiError invalid() {
    return ApiError.invalidInput("Failed to create list options", "Invalid page token");
  }
}
