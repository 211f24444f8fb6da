package dev.kfp.operator.simulator;

import java.util.Locale;
import java.util.Map;

/**
 * The run columns KFP lets clients sort and filter by (model/run.go), with the value the database holds:
 * text, or Unix seconds for times.
 */
enum RunField {
  RUN_ID("run_id", false),
  DISPLAY_NAME("display_name", false),
  DESCRIPTION("description", false),
  CREATED_AT("created_at", false),
  SCHEDULED_AT("scheduled_at", false),
  FINISHED_AT("finished_at", false),
  STORAGE_STATE("storage_state", false),
  STATE("state", false),
  NAMESPACE("namespace", false),
  EXPERIMENT_ID("experiment_id", true),
  RECURRING_RUN_ID("recurring_run_id", true),
  STATE_HISTORY("state_history", true),
  RUNTIME_DETAILS("runtime_details", false),
  /** v1 run metrics, sortable as {@code metric:<name>}; v2 runs have none, so every run sorts equal. */
  METRIC("metric", false);

  private static final Map<String, RunField> ALIASES = Map.of("id", RUN_ID, "name", DISPLAY_NAME,
      "status", STATE);

  private final String name;
  /** KFP fails to make a next-page token when sorting by these (a server bug we keep). */
  private final boolean breaksPaging;

  RunField(String name, boolean breaksPaging) {
    this.name = name;
    this.breaksPaging = breaksPaging;
  }

  String fieldName() {
    return name;
  }

  boolean breaksPaging() {
    return breaksPaging;
  }

  /** Null when KFP does not know the name. Names are case-insensitive, like KFP's lookups. */
  static RunField byName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    RunField alias = ALIASES.get(lower);
    if (alias != null) {
      return alias;
    }
    for (RunField field : values()) {
      if (field != METRIC && field.name.equals(lower)) {
        return field;
      }
    }
    return null;
  }

  /** The column value: a String or a Long. */
  Object valueOf(StoredRun run) {
    return switch (this) {
      case RUN_ID -> run.runId;
      case DISPLAY_NAME -> run.displayName;
      case DESCRIPTION -> run.description;
      case CREATED_AT, SCHEDULED_AT -> run.createdAt.getEpochSecond();
      case FINISHED_AT -> run.finishedAt == null ? 0L : run.finishedAt.getEpochSecond();
      case STORAGE_STATE -> run.storageState.name();
      case STATE -> run.state.name();
      case NAMESPACE -> run.namespace;
      case EXPERIMENT_ID -> run.experimentId;
      case RECURRING_RUN_ID -> run.recurringRunId;
      case STATE_HISTORY, RUNTIME_DETAILS -> "";
      case METRIC -> 0L;
    };
  }

  /**
   * SQL comparison as MySQL does it with its default collation: text case-insensitively, numbers
   * numerically, text against a number as a number.
   */
  static int compare(Object left, Object right) {
    if (left instanceof String l && right instanceof String r) {
      return String.CASE_INSENSITIVE_ORDER.compare(l, r);
    }
    return Double.compare(number(left), number(right));
  }

  private static double number(Object value) {
    if (value instanceof Long l) {
      return l;
    }
    String text = ((String) value).trim();
    int end = 0;
    while (end < text.length() && (Character.isDigit(text.charAt(end)) || "+-.eE".indexOf(text.charAt(end)) >= 0)) {
      end++;
    }
    try {
      return Double.parseDouble(text.substring(0, end));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
