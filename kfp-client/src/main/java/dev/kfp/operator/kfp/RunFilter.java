package dev.kfp.operator.kfp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * KFP's filter JSON ({@code {"predicates": [...]}}, AND-ed), built with typed methods. Keys are KFP's run field
 * names such as {@code display_name}, {@code description}, {@code state}, {@code storage_state},
 * {@code created_at}; the same message filters other lists, e.g. pipeline versions by {@code display_name}.
 */
public record RunFilter(List<Predicate> predicates) {

  public RunFilter {
    predicates = List.copyOf(predicates);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The filter as KFP's {@code Filter} message in JSON: int64 values as strings, timestamps in RFC 3339,
   * {@code IN} lists wrapped as {@code {"values": [...]}}.
   */
  public String toJson() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode filter = json.objectNode();
    ArrayNode items = filter.putArray("predicates");
    for (Predicate predicate : predicates) {
      ObjectNode item = items.addObject();
      item.put("key", predicate.key()).put("operation", predicate.operation().name());
      if (predicate.stringValues() != null) {
        ArrayNode values = item.putObject("string_values").putArray("values");
        predicate.stringValues().forEach(values::add);
      } else if (predicate.longValue() != null) {
        item.put("long_value", predicate.longValue().toString());
      } else if (predicate.timestampValue() != null) {
        item.put("timestamp_value", predicate.timestampValue().toString());
      } else {
        item.put("string_value", predicate.stringValue() == null ? "" : predicate.stringValue());
      }
    }
    return filter.toString();
  }

  /** KFP's predicate operations. */
  public enum Operation {
    EQUALS,
    NOT_EQUALS,
    GREATER_THAN,
    GREATER_THAN_EQUALS,
    LESS_THAN,
    LESS_THAN_EQUALS,
    IN,
    IS_SUBSTRING
  }

  /**
   * One condition. Exactly one of the value fields is set, matching KFP's oneof: a string, a long, a
   * timestamp, or for {@link Operation#IN} a list of strings.
   */
  public record Predicate(String key, Operation operation, String stringValue, Long longValue,
      Instant timestampValue, List<String> stringValues) {}

  /** Collects predicates; each method adds one. */
  public static final class Builder {
    private final List<Predicate> predicates = new ArrayList<>();

    private Builder add(String key, Operation operation, String s, Long l, Instant t, List<String> list) {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("a filter predicate needs a key");
      }
      predicates.add(new Predicate(key, operation, s, l, t, list == null ? null : List.copyOf(list)));
      return this;
    }

    public Builder equalTo(String key, String value) {
      return add(key, Operation.EQUALS, value, null, null, null);
    }

    public Builder notEqualTo(String key, String value) {
      return add(key, Operation.NOT_EQUALS, value, null, null, null);
    }

    public Builder substring(String key, String value) {
      return add(key, Operation.IS_SUBSTRING, value, null, null, null);
    }

    public Builder in(String key, List<String> values) {
      return add(key, Operation.IN, null, null, null, values);
    }

    public Builder compare(String key, Operation operation, long value) {
      return add(key, operation, null, value, null, null);
    }

    public Builder compare(String key, Operation operation, Instant value) {
      return add(key, operation, null, null, value, null);
    }

    public RunFilter build() {
      return new RunFilter(predicates);
    }
  }
}
