package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;

/** A stored run as tests see it, read straight from the store (no HTTP, no counters). */
public record RunSnapshot(String runId, String experimentId, String namespace, String displayName,
    String description, RunState state, StorageState storageState, int attempt, Map<String, JsonNode> parameters,
    Instant createdAt, Instant finishedAt) {

  static RunSnapshot of(StoredRun run) {
    return new RunSnapshot(run.runId, run.experimentId, run.namespace, run.displayName, run.description,
        run.state, run.storageState, run.attempt, Map.copyOf(run.parameters), run.createdAt, run.finishedAt);
  }
}
