package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The body of a create call after the gateway's parsing (field names and JSON types are already checked). */
record CreateRequest(String runId, String experimentId, String displayName, String description,
    JsonNode pipelineSpec, String pipelineId, String pipelineVersionId, boolean hasVersionReference,
    Map<String, JsonNode> parameters, boolean hasParameters, String pipelineRoot, String serviceAccount,
    StorageState storageState, String recurringRunId, JsonNode pluginsInput, boolean hasPluginsOutput) {

  private static final List<String> RUN_FIELDS = List.of("experiment_id", "run_id", "display_name",
      "storage_state", "description", "pipeline_version_id", "pipeline_spec", "pipeline_version_reference",
      "runtime_config", "service_account", "created_at", "scheduled_at", "finished_at", "state", "error",
      "run_details", "recurring_run_id", "state_history", "plugins_input", "plugins_output");
  private static final List<String> PIPELINE_SOURCE = List.of("pipeline_version_id", "pipeline_spec",
      "pipeline_version_reference");
  private static final List<String> STORAGE_STATES = List.of("STORAGE_STATE_UNSPECIFIED", "AVAILABLE",
      "ARCHIVED");
  private static final List<String> RUNTIME_STATES = List.of("RUNTIME_STATE_UNSPECIFIED", "PENDING", "RUNNING",
      "SUCCEEDED", "SKIPPED", "FAILED", "CANCELING", "CANCELED", "PAUSED");

  /** Parses a Run body as KFP ≥ 2.14's gateway does: 400 (no details) for anything protojson rejects. */
  static CreateRequest parse(byte[] body) {
    Map<String, JsonNode> run = RunJson.fields(RunJson.parseObject(body), "v2beta1.Run", RUN_FIELDS);
    long sources = PIPELINE_SOURCE.stream().filter(run::containsKey).count();
    if (sources > 1) {
      throw ApiError.gateway("proto: error parsing Run: oneof v2beta1.Run.pipeline_source is already set");
    }
    ObjectNode specJson = RunJson.object(run, "pipeline_spec");
    JsonNode spec = specJson == null ? null : RunJson.normalizeValue(specJson);
    ObjectNode referenceJson = RunJson.object(run, "pipeline_version_reference");
    String pipelineId = "";
    String versionId = "";
    if (referenceJson != null) {
      Map<String, JsonNode> reference = RunJson.fields(referenceJson, "v2beta1.PipelineVersionReference",
          List.of("pipeline_id", "pipeline_version_id"));
      pipelineId = RunJson.string(reference, "pipeline_id");
      versionId = RunJson.string(reference, "pipeline_version_id");
    }
    Map<String, JsonNode> parameters = new LinkedHashMap<>();
    boolean hasParameters = false;
    String pipelineRoot = "";
    ObjectNode configJson = RunJson.object(run, "runtime_config");
    if (configJson != null) {
      Map<String, JsonNode> config = RunJson.fields(configJson, "v2beta1.RuntimeConfig",
          List.of("parameters", "pipeline_root"));
      pipelineRoot = RunJson.string(config, "pipeline_root");
      ObjectNode parametersJson = RunJson.object(config, "parameters");
      if (parametersJson != null) {
        hasParameters = true;
        parametersJson.fields().forEachRemaining(
            e -> parameters.put(e.getKey(), RunJson.normalizeValue(e.getValue())));
      }
    }
    for (String text : List.of("experiment_id", "run_id", "display_name", "description", "pipeline_version_id",
        "service_account", "recurring_run_id")) {
      RunJson.string(run, text);
    }
    for (String time : List.of("created_at", "scheduled_at", "finished_at")) {
      RunJson.checkTimestamp(run, time);
    }
    RunJson.enumValue(run, "state", RunState.class, RUNTIME_STATES);
    RunJson.object(run, "error");
    RunJson.object(run, "run_details");
    JsonNode history = run.get("state_history");
    if (history != null && !history.isArray()) {
      throw ApiError.gateway("proto: invalid value for repeated field state_history: " + history);
    }
    StorageState storage = RunJson.enumValue(run, "storage_state", StorageState.class, STORAGE_STATES);
    ObjectNode plugins = RunJson.object(run, "plugins_input");
    RunJson.object(run, "plugins_output");
    return new CreateRequest(RunJson.string(run, "run_id"), RunJson.string(run, "experiment_id"),
        RunJson.string(run, "display_name"), RunJson.string(run, "description"),
        spec == null ? null : RunJson.normalizeValue(spec), pipelineId, versionId, referenceJson != null,
        Collections.unmodifiableMap(parameters), hasParameters, pipelineRoot,
        RunJson.string(run, "service_account"), storage, RunJson.string(run, "recurring_run_id"), plugins,
        run.containsKey("plugins_output"));
  }
}
