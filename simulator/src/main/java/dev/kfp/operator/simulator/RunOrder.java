package dev.kfp.operator.simulator;

import java.util.Comparator;
import java.util.Locale;

/** A list's sort order: one run field, a direction, and the run id as tie-breaker in the same direction. */
record RunOrder(RunField field, String metric, boolean descending) {

  static final RunOrder DEFAULT = new RunOrder(RunField.CREATED_AT, "", false);

  /** Parses {@code "<field>"}, {@code "<field> asc"} or {@code "<field> desc"}; empty means the default. */
  static RunOrder parse(String sortBy) {
    String trimmed = sortBy.trim();
    if (trimmed.isEmpty()) {
      return DEFAULT;
    }
    String[] parts = trimmed.split("\\s+");
    boolean descending = false;
    if (parts.length == 2) {
      String direction = parts[1].toLowerCase(Locale.ROOT);
      if (!direction.equals("asc") && !direction.equals("desc")) {
        throw invalid(sortBy);
      }
      descending = direction.equals("desc");
    } else if (parts.length != 1) {
      throw invalid(sortBy);
    }
    if (parts[0].toLowerCase(Locale.ROOT).startsWith("metric:")) {
      return new RunOrder(RunField.METRIC, parts[0].substring("metric:".length()), descending);
    }
    RunField field = RunField.byName(parts[0]);
    if (field == null) {
      throw invalid(sortBy);
    }
    return new RunOrder(field, "", descending);
  }

  private static ApiError invalid(String sortBy) {
    return ApiError.invalidInput("Failed to create list options",
        "Invalid sorting field: \"" + sortBy + "\" on listable type Run");
  }

  String sortField() {
    return field == RunField.METRIC ? "metric:" + metric : field.fieldName();
  }

  Comparator<StoredRun> comparator() {
    Comparator<StoredRun> ascending = (a, b) -> {
      int byValue = RunField.compare(field.valueOf(a), field.valueOf(b));
      return byValue != 0 ? byValue : a.runId.compareTo(b.runId);
    };
    return descending ? ascending.reversed() : ascending;
  }

  /** Where a row stands relative to a page token's first row, in list order. */
  int compareToPosition(StoredRun run, Object sortValue, String runId) {
    int byValue = RunField.compare(field.valueOf(run), sortValue);
    int result = byValue != 0 ? byValue : run.runId.compareTo(runId);
    return descending ? -result : result;
  }
}
