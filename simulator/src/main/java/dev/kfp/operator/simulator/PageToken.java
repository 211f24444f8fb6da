package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A keyset page token as KFP makes it: standard base64 of JSON holding the sort field and direction, the sort
 * value and id (UUID) of the next page's first row, and the whole filter. Stateless; the same for every list.
 */
record PageToken(String sortField, boolean descending, Object sortValue, String runId, JsonNode filter) {

  PageToken(RunOrder order, Object sortValue, String runId, JsonNode filter) {
    this(order.sortField(), order.descending(), sortValue, runId, filter);
  }

  /** The run order the token was made for; a token of no run order is an invalid token, as in KFP. */
  RunOrder order() {
    try {
      return RunOrder.parse(sortField + (descending ? " desc" : " asc"));
    } catch (ApiError e) {
      throw invalid();
    }
  }

  String encode() {
    ObjectNode json = RunJson.NODES.objectNode();
    json.put("SortByFieldName", sortField);
    if (sortValue instanceof Long number) {
      json.put("SortByFieldValue", number);
    } else {
      json.put("SortByFieldValue", (String) sortValue);
    }
    json.put("KeyFieldName", "UUID");
    json.put("KeyFieldValue", runId);
    json.put("IsDesc", descending);
    json.set("Filter", filter);
    return Base64.getEncoder().encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
  }

  static PageToken decode(String token) {
    try {
      JsonNode json = RunJson.MAPPER.readTree(Base64.getDecoder().decode(token));
      JsonNode value = json.get("SortByFieldValue");
      String field = json.get("SortByFieldName").asText();
      JsonNode filter = json.get("Filter");
      if (value == null || !(value.isTextual() || value.isIntegralNumber()) || filter == null
          || !filter.isObject() || !json.get("KeyFieldValue").isTextual()) {
        throw invalid();
      }
      Object sortValue = value.isTextual() ? value.asText() : (Object) value.asLong();
      return new PageToken(field, json.get("IsDesc").asBoolean(), sortValue, json.get("KeyFieldValue").asText(),
          filter);
    } catch (ApiError | IllegalArgumentException | NullPointerException | java.io.IOException e) {
      throw invalid();
    }
  }

  private static ApiError invalid() {
    return ApiError.invalidInput("Failed to create list options", "Invalid page token");
  }
}
