package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * KFP's Filter message ({@code {"predicates": [...]}}, AND-ed) with SQL semantics over stored runs, or over the
 * rows of another list (pipeline versions) whose columns are named by a {@link Columns}.
 */
final class ListFilter {

  static final ListFilter NONE = new ListFilter(List.of());
  private static final String CONTEXT = "Failed to create list options";
  private static final List<String> OPERATIONS = List.of("OPERATION_UNSPECIFIED", "EQUALS", "NOT_EQUALS",
      "GREATER_THAN", "", "GREATER_THAN_EQUALS", "LESS_THAN", "LESS_THAN_EQUALS", "IN", "IS_SUBSTRING");
  private static final List<String> PREDICATE_FIELDS = List.of("key", "operation", "int_value", "long_value",
      "string_value", "timestamp_value", "int_values", "long_values", "string_values");
  private static final List<String> VALUE_FIELDS = PREDICATE_FIELDS.subList(2, PREDICATE_FIELDS.size());

  /** The columns a filter may name: the canonical column of a name (null when KFP knows none), a row's value. */
  interface Columns<T> {
    String column(String name);

    Object valueOf(T row, String column);
  }

  /** The run columns of {@link RunField}, without the metrics, which runs cannot be filtered by. */
  static final Columns<StoredRun> RUNS = new Columns<>() {
    @Override
    public String column(String name) {
      RunField field = RunField.byName(name);
      return field == null || field == RunField.METRIC ? null : field.fieldName();
    }

    @Override
    public Object valueOf(StoredRun run, String column) {
      return RunField.byName(column).valueOf(run);
    }
  };

  private record Predicate(String column, String operation, List<Object> values, JsonNode canonical) {

    <T> boolean matches(Columns<T> columns, T row) {
      Object actual = columns.valueOf(row, column);
      return switch (operation) {
        case "EQUALS" -> RunField.compare(actual, values.get(0)) == 0;
        case "NOT_EQUALS" -> RunField.compare(actual, values.get(0)) != 0;
        case "GREATER_THAN" -> RunField.compare(actual, values.get(0)) > 0;
        case "GREATER_THAN_EQUALS" -> RunField.compare(actual, values.get(0)) >= 0;
        case "LESS_THAN" -> RunField.compare(actual, values.get(0)) < 0;
        case "LESS_THAN_EQUALS" -> RunField.compare(actual, values.get(0)) <= 0;
        case "IN" -> values.stream().anyMatch(v -> RunField.compare(actual, v) == 0);
        case "IS_SUBSTRING" -> like((String) values.get(0)).matcher(String.valueOf(actual)).matches();
        default -> throw new IllegalStateException(operation);
      };
    }
  }

  private final List<Predicate> predicates;

  private ListFilter(List<Predicate> predicates) {
    this.predicates = predicates;
  }

  boolean matches(StoredRun run) {
    return matches(RUNS, run);
  }

  /**
   * The only run ids that can match, when the filter names them ({@code run_id IN [...]} or {@code EQUALS}): a list
   * then looks at those runs alone, as KFP's database finds them by primary key, instead of at every stored run.
   */
  Optional<Set<String>> runIds() {
    for (Predicate p : predicates) {
      if (p.column().equals(RunField.RUN_ID.fieldName())
          && (p.operation().equals("IN") || p.operation().equals("EQUALS"))
          && p.values().stream().allMatch(String.class::isInstance)) {
        Set<String> ids = new LinkedHashSet<>();
        p.values().forEach(v -> ids.add((String) v));
        return Optional.of(ids);
      }
    }
    return Optional.empty();
  }

  <T> boolean matches(Columns<T> columns, T row) {
    return predicates.stream().allMatch(p -> p.matches(columns, row));
  }

  /** The filter in one spelling, so two requests naming the same filter compare equal. */
  JsonNode canonical() {
    ObjectNode json = RunJson.NODES.objectNode();
    if (!predicates.isEmpty()) {
      ArrayNode array = json.putArray("predicates");
      predicates.forEach(p -> array.add(p.canonical()));
    }
    return json;
  }

  /** Parses the filter query parameter, which KFP URL-decodes once more after the query decoding. */
  static ListFilter fromQueryParameter(String parameter) {
    return fromQueryParameter(parameter, RUNS);
  }

  static ListFilter fromQueryParameter(String parameter, Columns<?> columns) {
    String json;
    try {
      json = java.net.URLDecoder.decode(parameter, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw unparsable(parameter, "invalid URL escape: " + e.getMessage());
    }
    return parse(json, parameter, columns);
  }

  static ListFilter fromCanonical(JsonNode json) {
    return fromCanonical(json, RUNS);
  }

  static ListFilter fromCanonical(JsonNode json, Columns<?> columns) {
    return parse(json.toString(), json.toString(), columns);
  }

  private static ListFilter parse(String json, String shownAs, Columns<?> columns) {
    Map<String, JsonNode> filter;
    try {
      filter = RunJson.fields(RunJson.parseObject(json.getBytes(StandardCharsets.UTF_8)), "api.Filter",
          List.of("predicates"));
    } catch (ApiError e) {
      throw unparsable(shownAs, e.getMessage());
    }
    JsonNode array = filter.get("predicates");
    if (array == null) {
      return NONE;
    }
    if (!array.isArray()) {
      throw unparsable(shownAs, "predicates must be a list");
    }
    List<Parsed> parsed = new ArrayList<>();
    for (JsonNode item : array) {
      if (!item.isObject()) {
        throw unparsable(shownAs, "a predicate must be an object: " + item);
      }
      parsed.add(parse((ObjectNode) item, shownAs));
    }
    for (Parsed predicate : parsed) {
      if (columns.column(predicate.key()) == null) {
        throw ApiError.invalidInput(CONTEXT, "no support for filtering on unrecognized field \""
            + predicate.key() + "\"");
      }
    }
    List<Predicate> predicates = new ArrayList<>();
    for (Parsed predicate : parsed) {
      predicates.add(predicate.checked(shownAs, columns.column(predicate.key())));
    }
    return new ListFilter(List.copyOf(predicates));
  }

  /** A predicate as read, before KFP's checks of its operation against its value. */
  private record Parsed(String key, String operation, String valueField, JsonNode value) {

    boolean list() {
      return valueField.endsWith("_values");
    }

    /** KFP's checkPredicate, then the values as the database compares them. */
    Predicate checked(String shownAs, String column) {
      if (operation.equals("IN") && !list()) {
        throw ApiError.invalidInput(CONTEXT, "cannot use IN operator with scalar type " + goType());
      }
      if (!operation.equals("IN") && !operation.equals("IS_SUBSTRING") && list()) {
        throw ApiError.invalidInput(CONTEXT, "cannot use scalar operator " + operation + " on array type "
            + goType());
      }
      if (operation.equals("IS_SUBSTRING") && !valueField.equals("string_value")) {
        // KFP's message prints the operation's type and the value, in that order.
        throw ApiError.invalidInput(CONTEXT, "cannot use non string value type string with operator "
            + goValue(shownAs));
      }
      List<Object> values = new ArrayList<>();
      ObjectNode canonical = RunJson.NODES.objectNode().put("key", key).put("operation", operation);
      if (list()) {
        JsonNode items = listItems(value, valueField, shownAs);
        ArrayNode canonicalItems = canonical.putObject(valueField).putArray("values");
        String scalarField = valueField.substring(0, valueField.length() - 1);
        for (JsonNode item : items) {
          values.add(scalar(scalarField, item, shownAs));
          canonicalItems.add(item);
        }
      } else {
        values.add(scalar(valueField, value, shownAs));
        canonical.set(valueField, value);
      }
      return new Predicate(column, operation, List.copyOf(values), canonical);
    }

    /** The Go type KFP holds the value in, as its messages name it. */
    private String goType() {
      return switch (valueField) {
        case "int_value" -> "int32";
        case "long_value", "timestamp_value" -> "int64";
        case "string_value" -> "string";
        case "int_values" -> "[]int32";
        case "long_values" -> "[]int64";
        default -> "[]string";
      };
    }

    /** The value as Go's %v prints it: lists as {@code [a b]}, times as Unix seconds. */
    private String goValue(String shownAs) {
      if (list()) {
        List<String> items = new ArrayList<>();
        String scalarField = valueField.substring(0, valueField.length() - 1);
        listItems(value, valueField, shownAs).forEach(item -> items.add(String.valueOf(scalar(scalarField, item,
            shownAs))));
        return "[" + String.join(" ", items) + "]";
      }
      return String.valueOf(scalar(valueField, value, shownAs));
    }
  }

  /** Reads one predicate with KFP's first checks, in KFP's order: operation, value, key. */
  private static Parsed parse(ObjectNode json, String shownAs) {
    Map<String, JsonNode> fields;
    try {
      fields = RunJson.fields(json, "api.Predicate", PREDICATE_FIELDS);
    } catch (ApiError e) {
      throw unparsable(shownAs, e.getMessage());
    }
    List<String> valueFields = VALUE_FIELDS.stream().filter(fields::containsKey).toList();
    if (valueFields.size() > 1) {
      throw unparsable(shownAs, "oneof api.Predicate.value is already set");
    }
    String operation = operation(fields.get("operation"), shownAs);
    if (operation.equals("OPERATION_UNSPECIFIED")) {
      throw ApiError.invalidInput(CONTEXT,
          "Error using Filter.Predicate.Operation with go_client.Predicate_Operation");
    }
    if (valueFields.isEmpty()) {
      throw ApiError.invalidInput(CONTEXT, "Error using Filter.Predicate.Value with <nil>");
    }
    String valueField = valueFields.get(0);
    Parsed parsed = new Parsed(fields.containsKey("key") ? fields.get("key").asText() : "", operation, valueField,
        fields.get(valueField));
    if (parsed.key().isEmpty()) {
      throw ApiError.invalidInput(CONTEXT, "Predicate key cannot be empty for operation " + operation
          + " and value " + parsed.goValue(shownAs));
    }
    return parsed;
  }

  private static JsonNode listItems(JsonNode value, String valueField, String shownAs) {
    if (!value.isObject()) {
      throw unparsable(shownAs, valueField + " must be an object {\"values\": [...]}");
    }
    Map<String, JsonNode> fields;
    try {
      fields = RunJson.fields((ObjectNode) value, "api." + valueField, List.of("values"));
    } catch (ApiError e) {
      throw unparsable(shownAs, e.getMessage());
    }
    JsonNode items = fields.getOrDefault("values", RunJson.NODES.arrayNode());
    if (!items.isArray()) {
      throw unparsable(shownAs, valueField + ".values must be a list");
    }
    return items;
  }

  private static String operation(JsonNode value, String shownAs) {
    if (value == null) {
      return "OPERATION_UNSPECIFIED";
    }
    if (value.isIntegralNumber() && value.asInt() >= 0 && value.asInt() < OPERATIONS.size()
        && !OPERATIONS.get(value.asInt()).isEmpty()) {
      return OPERATIONS.get(value.asInt());
    }
    if (value.isTextual() && !value.asText().isEmpty() && OPERATIONS.contains(value.asText())) {
      return value.asText();
    }
    throw unparsable(shownAs, "invalid value for enum field operation: " + value);
  }

  /** A predicate value as the database compares it: String, or Long (times become Unix seconds). */
  private static Object scalar(String valueField, JsonNode value, String shownAs) {
    switch (valueField) {
      case "string_value":
        if (!value.isTextual()) {
          throw unparsable(shownAs, "invalid value for string field: " + value);
        }
        return value.asText();
      case "int_value":
      case "long_value":
        if (value.isIntegralNumber()) {
          return value.asLong();
        }
        if (value.isTextual() && value.asText().matches("-?\\d+")) {
          return Long.parseLong(value.asText());
        }
        throw unparsable(shownAs, "invalid value for integer field: " + value);
      case "timestamp_value":
        try {
          return java.time.OffsetDateTime.parse(value.asText()).toEpochSecond();
        } catch (java.time.format.DateTimeParseException e) {
          throw unparsable(shownAs, "invalid google.protobuf.Timestamp value: " + value);
        }
      default:
        throw new IllegalStateException(valueField);
    }
  }

  /** SQL LIKE '%value%': {@code %} and {@code _} are wildcards, case-insensitive collation. */
  private static Pattern like(String value) {
    StringBuilder regex = new StringBuilder(".*");
    for (char c : value.toCharArray()) {
      if (c == '%') {
        regex.append(".*");
      } else if (c == '_') {
        regex.append('.');
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.append(".*").toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL
        | Pattern.UNICODE_CASE);
  }

  private static ApiError unparsable(String filter, String reason) {
    return ApiError.invalidInput(CONTEXT, "failed to parse valid filter from \"" + filter + "\": " + reason);
  }
}
