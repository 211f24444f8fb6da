package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A stored run as tests see it, read straight from the store (no HTTP, no counters). {@code transitions} holds
 * every state change at the exact instant it was due (the API's state_history rounds to whole seconds), for
 * measuring how long a client took to notice it.
 */
public record RunSnapshot(String runId, String experimentId, String namespace, String displayName,
    String description, RunState state, StorageState storageState, int attempt, Map<String, JsonNode> parameters,
    Instant createdAt, Instant finishedAt, List<Transition> transitions) {

  /** The run entered {@code state} at {@code at}. */
  public record Transition(RunState state, Instant at) {}

  static RunSnapshot of(StoredRun run) {
    return new RunSnapshot(run.runId, run.experimentId, run.namespace, run.displayName, run.description,
        run.state, run.storageState, run.attempt, Map.copyOf(run.parameters), run.createdAt, run.finishedAt,
        run.history.stream().map(change -> new Transition(change.state(), change.at())).toList());
  }
}
