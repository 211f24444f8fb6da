package dev.kfp.operator.simulator;

import java.util.Locale;
import java.util.Map;

/**
 * The run columns KFP lets clients sort and filter by (model/run.go), with the value the database holds:
 * text, or Unix seconds for times.
 */
enum RunField {
  RUN_ID("run_id", null),
  DISPLAY_NAME("display_name", null),
  DESCRIPTION("description", null),
  CREATED_AT("created_at", null),
  SCHEDULED_AT("scheduled_at", null),
  FINISHED_AT("finished_at", null),
  STORAGE_STATE("storage_state", null),
  STATE("state", null),
  NAMESPACE("namespace", null),
  EXPERIMENT_ID("experiment_id", "ExperimentUUID"),
  RECURRING_RUN_ID("recurring_run_id", "JobUUID"),
  STATE_HISTORY("state_history", "StateHistory"),
  RUNTIME_DETAILS("runtime_details", null),
  /** v1 run metrics, sortable as {@code metric:<name>}; v2 runs have none, so every run sorts equal. */
  METRIC("metric", null);

  private static final Map<String, RunField> ALIASES = Map.of("id", RUN_ID, "name", DISPLAY_NAME,
      "status", STATE);

  private final String name;
  /**
   * For the fields KFP fails to make a next-page token for when sorting by them (a server bug we keep): the
   * model column KFP's error names; null for the others.
   */
  private final String unpageableColumn;

  RunField(String name, String unpageableColumn) {
    this.name = name;
    this.unpageableColumn = unpageableColumn;
  }

  String fieldName() {
    return name;
  }

  boolean breaksPaging() {
    return unpageableColumn != null;
  }

  String unpageableColumn() {
    return unpageableColumn;
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
