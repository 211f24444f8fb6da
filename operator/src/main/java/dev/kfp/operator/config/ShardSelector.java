package dev.kfp.operator.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Kubernetes label selector that picks this operator's shard of Runs, RunQueues and RunSchedules, in the
 * grammar of {@code kubectl get -l}: equality ({@code key=value}, {@code key==value}, {@code key!=value}), sets
 * ({@code key in (a,b)}, {@code key notin (a,b)}) and existence ({@code key}, {@code !key}), joined by commas.
 * It is checked here, at start, because the API server would only refuse it once the informers start; the API
 * server then applies it to every list and watch, so objects of other shards are never cached.
 */
public final class ShardSelector {

  /** No selector: every object is this operator's. */
  public static final ShardSelector EVERYTHING = new ShardSelector(List.of());

  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private final List<Requirement> requirements;

  private ShardSelector(List<Requirement> requirements) {
    this.requirements = requirements;
  }

  /** One condition on one label. */
  private record Requirement(String key, Operator operator, Set<String> values) {

    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case EXISTS -> value != null;
        case DOES_NOT_EXIST -> value == null;
        case EQUALS, IN -> value != null && values.contains(value);
        case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
      };
    }

    @Override
    public String toString() {
      return switch (operator) {
        case EXISTS -> key;
        case DOES_NOT_EXIST -> "!" + key;
        case EQUALS -> key + "=" + values.iterator().next();
        case NOT_EQUALS -> key + "!=" + values.iterator().next();
        case IN -> key + " in (" + String.join(",", values) + ")";
        case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
      };
    }
  }

  private enum Operator { EXISTS, DOES_NOT_EXIST, EQUALS, NOT_EQUALS, IN, NOT_IN }

  /**
   * Parses a selector; blank is {@link #EVERYTHING}.
   *
   * @throws IllegalArgumentException naming the part that is wrong and what was expected there
   */
  public static ShardSelector parse(String text) {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> requirements = new ArrayList<>();
    for (String part : splitOutsideParentheses(text)) {
      requirements.add(requirement(part.trim()));
    }
    requirements.sort(Comparator.comparing(Requirement::key).thenComparing(Requirement::toString));
    return new ShardSelector(List.copyOf(requirements));
  }

  /** True when no selector was given. */
  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  /** True when an object with these labels (null: none) belongs to this shard. */
  public boolean matches(Map<String, String> labels) {
    Map<String, String> present = labels == null ? Map.of() : labels;
    return requirements.stream().allMatch(r -> r.matches(present));
  }

  /** The label keys the selector names: the labels that decide an object's shard. */
  public Set<String> keys() {
    return requirements.stream().map(Requirement::key).collect(Collectors.toCollection(TreeSet::new));
  }

  /** The selector in one canonical form (requirements sorted by key, set values sorted), as the API reads it. */
  @Override
  public String toString() {
    return requirements.stream().map(Requirement::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ShardSelector selector && selector.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  private static List<String> splitOutsideParentheses(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }

  private static Requirement requirement(String part) {
    if (part.isEmpty()) {
      throw new IllegalArgumentException("an empty requirement (two commas, or a comma at an end)");
    }
    if (part.startsWith("!")) {
      return new Requirement(key(part.substring(1).trim(), part), Operator.DOES_NOT_EXIST, Set.of());
    }
    java.util.regex.Matcher set = Pattern.compile("(\\S+)\\s+(in|notin)\\s*\\((.*)\\)").matcher(part);
    if (set.matches()) {
      if (set.group(3).isBlank()) {
        throw new IllegalArgumentException("in '" + part + "': the set of values is empty");
      }
      Set<String> values = new TreeSet<>();
      for (String value : set.group(3).split(",", -1)) {
        values.add(value(value.trim(), part));
      }
      return new Requirement(key(set.group(1), part), set.group(2).equals("in") ? Operator.IN : Operator.NOT_IN,
          values);
    }
    for (String op : List.of("!=", "==", "=")) {
      int at = part.indexOf(op);
      if (at >= 0) {
        return new Requirement(key(part.substring(0, at).trim(), part),
            op.equals("!=") ? Operator.NOT_EQUALS : Operator.EQUALS,
            Set.of(value(part.substring(at + op.length()).trim(), part)));
      }
    }
    if (part.matches(".*[\\s()<>].*")) {
      throw new IllegalArgumentException("'" + part + "' is not a requirement: expected key, !key, key=value, "
          + "key!=value, key in (a,b) or key notin (a,b)");
    }
    return new Requirement(key(part, part), Operator.EXISTS, Set.of());
  }

  /** A label key: an optional DNS subdomain prefix and a slash, then a name of at most 63 characters. */
  private static String key(String key, String part) {
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    boolean valid = name.length() <= 63 && NAME.matcher(name).matches()
        && (prefix == null || prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches());
    if (!valid) {
      throw new IllegalArgumentException("in '" + part + "': '" + key + "' is not a label key (a name of at most"
          + " 63 letters, digits, '-', '_' or '.', optionally after a DNS prefix and '/', e.g. shard.example.com/key)");
    }
    return key;
  }

  /** A label value: empty, or at most 63 letters, digits, '-', '_' or '.', beginning and ending alphanumeric. */
  private static String value(String value, String part) {
    if (!value.isEmpty() && (value.length() > 63 || !NAME.matcher(value).matches())) {
      throw new IllegalArgumentException("in '" + part + "': '" + value + "' is not a label value (at most 63"
          + " letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)");
    }
    return value;
  }
}
